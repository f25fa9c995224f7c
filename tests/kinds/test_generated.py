"""The schemas' kinds parts are generated from the registry: this fails when they are stale."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from server.kinds import schemas

ROOT = Path(__file__).resolve().parent.parent.parent


def _load(*parts: str) -> dict[str, object]:
    return json.loads(ROOT.joinpath(*parts).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_schemas_hold_what_the_registry_generates() -> None:
    template, export = (
        _load("server", "draaiboek", "schema.json"),
        _load("server", "services", "export_schema.json"),
    )
    fresh_template, fresh_export = copy.deepcopy(template), copy.deepcopy(export)
    schemas.apply(fresh_template, fresh_export)
    assert (template, export) == (fresh_template, fresh_export), (
        "stale: run python scripts/generate_schemas.py"
    )
