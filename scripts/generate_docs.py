"""Write the kinds' reference in docs/api.md from the models (server/kinds/reference.py).

Run: make docs (or python scripts/generate_docs.py); tests/kinds/test_generated.py fails when stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.i18n import LANGUAGES, sayer  # noqa: E402
from server.kinds import reference  # noqa: E402

API = ROOT / "docs" / "api.md"


def main() -> None:
    text = API.read_text(encoding="utf-8")
    API.write_text(reference.render(text, {lang: sayer(lang) for lang in LANGUAGES}), encoding="utf-8")


if __name__ == "__main__":
    main()
