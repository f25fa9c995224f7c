"""Write the registry's parts of the template and export JSON Schemas (server/kinds/schemas.py).

Run: python scripts/generate_schemas.py (make schemas); tests/kinds/test_generated.py fails when stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.kinds import schemas  # noqa: E402

TEMPLATE = ROOT / "server" / "draaiboek" / "schema.json"
EXPORT = ROOT / "server" / "services" / "export_schema.json"


def main() -> None:
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    export = json.loads(EXPORT.read_text(encoding="utf-8"))
    schemas.apply(template, export)
    for path, document in ((TEMPLATE, template), (EXPORT, export)):
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
