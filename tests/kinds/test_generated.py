"""The schemas' kinds parts are generated from the registry: this fails when they are stale."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from server.i18n import LANGUAGES, sayer
from server.kinds import REGISTRY, reference, schemas

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


API = ROOT / "docs" / "api.md"
SAY = {language: sayer(language) for language in LANGUAGES}


def test_api_docs_hold_what_the_kinds_models_generate() -> None:
    """docs/api.md's kinds reference (settings, answer payload, results per audience) is generated."""
    text = API.read_text(encoding="utf-8")
    assert text == reference.render(text, SAY), "docs/api.md is stale: run make docs"
    for name in REGISTRY:  # every registered kind has its generated block, once
        assert text.count(reference.BEGIN.format(name=name)) == 1, name


def test_a_kind_without_a_section_gets_one_and_a_stale_block_is_replaced() -> None:
    text = API.read_text(encoding="utf-8")
    name = next(iter(REGISTRY))
    begin, end = reference.BEGIN.format(name=name), reference.END.format(name=name)
    start = text.index(reference.heading(name))
    cut = text.index("\n#### ", start + 1)
    without = text[:start] + text[cut + 1 :]
    added = reference.render(without, SAY)
    assert added.count(begin) == 1 and added.index(begin) > added.index(reference.SECTIONS)
    following = added.find("\n## ", added.index(reference.SECTIONS))
    assert following < 0 or added.index(begin) < following  # still among the kinds
    assert added.index(begin) > added.index(reference.heading(name)) > added.index(reference.SECTIONS)
    stale = text.replace(begin, begin + '\n| `gone` | string | | `""` |')
    assert reference.render(stale, SAY) == text
    assert reference.render(added, SAY) == added  # stable once generated
    assert end in added
