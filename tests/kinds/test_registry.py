"""Every kind in the registry, walked facet by facet: a kind that lacks one fails here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import pytest
from babel.messages.pofile import read_po
from hypothesis import given, settings
from hypothesis import strategies as st

from server import kinds
from server.domain.errors import DomainError
from server.i18n import sayer
from server.kinds import AUDIENCES, REGISTRY, ActivityKind, Change, KindSettings, Moderation, Tally
from server.kinds.base import ReportContext, Results
from server.services import report
from server.text import Text
from tests.kinds.support import default_settings
from tests.test_docs import kind_section

ROOT = Path(__file__).resolve().parent.parent.parent
PEOPLE = (1, 2, 3, 4)
NAMES = sorted(REGISTRY)
STEP_IN = "step-in"  # in SAMPLES: step in on somebody else's word

# Answers each kind accepts under its default settings: (slot, payload). A new kind adds its own.
SAMPLES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "open": [("0", {"text": "Samen leren"}), ("0", {"text": "Elkaar\nontmoeten"})],
    "wordcloud": [("0", {"word": "Leren"}), ("1", {"word": "leren"}), ("2", {"word": "Vertrouwen"})],
    "scales": [("0", {"value": 1}), ("1", {"value": 5}), ("4", {"value": 3})],
    "checkout": [("word", {"word": "Rust"}), ("word", {"word": "Energie"}), (STEP_IN, {})],
    "choice": [("0", {"options": [0]}), ("0", {"options": [1]})],
    "groups": [("0", {"option": 0}), ("0", {"option": 3})],
    "quiz": [("0", {"options": [0], "ms": 1500}), ("0", {"options": [1], "ms": 19_000})],
    "cards": [
        ("0", {"insight": "Verbinding", "action": "Bellen", "name": None}),
        ("0", {"insight": "Tijd nemen", "action": "Plannen", "name": "Ans"}),
    ],
    "grid": [("0", {"x": 2, "y": 9}), ("0", {"x": 7, "y": 3}), ("4", {"x": 10, "y": 1})],
    "ranking": [("0", {"order": [2, 0, 1, 4, 3]}), ("0", {"order": [0, 1, 2, 3, 4]})],
    "points": [("0", {"points": [50, 30, 20, 0]}), ("0", {"points": [0, 0, 10, 85]})],
}


@dataclass(frozen=True)
class Row:
    number: int
    slot: str
    payload: Mapping[str, Any]


def _catalogue(language: str) -> dict[str, str]:
    with (ROOT / "web" / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id and isinstance(m.string, str)}


def _texts(kind: ActivityKind) -> list[Text]:
    """Every catalogue text the kind's module says: its name, prompt, columns and content."""
    module = __import__(type(kind).__module__, fromlist=["_"])
    found = [kind.label, kind.prompt, *kind.export_columns]
    for value in vars(module).values():
        items = value if isinstance(value, tuple) else (value,)
        found += [item for item in items if isinstance(item, Text)]
    return found


def _history(name: str, ops: list[tuple[int, int, bool]]) -> tuple[Tally, dict[tuple[int, str], Row]]:
    """Apply put/withdraw ops through the kind's own validation; the tally and the rows it left."""
    kind = REGISTRY[name]
    config = default_settings(name)
    tally = kind.new_tally()
    rows: dict[tuple[int, str], Row] = {}
    numbers = iter(range(1, 10_000))
    for person, pick, put in ops:
        slot, payload = SAMPLES[name][pick % len(SAMPLES[name])]
        if slot == STEP_IN:
            words = sorted(r.number for (p, s), r in rows.items() if s == "word" and p != person)
            if not words:
                continue
            slot = f"in:{words[pick % len(words)]}"
        key = (person, slot)
        old = rows.get(key)
        if not put:
            if old is None:
                continue
            kind.validate_withdraw(config, slot)
            del rows[key]
            tally.apply(Change(person, slot, old.number, old.payload, None))
            # The service takes the step-ins on a withdrawn word along.
            for gone in [k for k in rows if k[1] == f"in:{old.number}"]:
                step = rows.pop(gone)
                tally.apply(Change(gone[0], gone[1], step.number, step.payload, None))
            continue
        own = {s: r.payload for (p, s), r in rows.items() if p == person and s != slot}
        try:
            stored = kind.validate_answer(config, slot, payload, own=own, participant=person, tally=tally)
        except DomainError:
            continue  # a pick limit, or stepping in twice: refused, nothing stored
        row = Row(old.number if old else next(numbers), slot, stored)
        rows[key] = row
        tally.apply(Change(person, slot, row.number, old.payload if old else None, stored, f"Naam {person}"))
    return tally, rows


def test_registry_lists_every_kind_once_with_every_facet() -> None:
    assert set(SAMPLES) == set(REGISTRY), "every kind needs its sample answers here"
    assert set(kinds.names()) == set(REGISTRY) == set(get_args(kinds.Kind))
    for name, kind in REGISTRY.items():
        assert kind.name == name and kinds.get(name) is kind
        assert issubclass(kind.settings, KindSettings) and issubclass(kind.tally, Tally)
        assert kind.tally.kind == name
        assert set(kind.results) == set(AUDIENCES), f"{name}: a results model per audience"
        assert all(issubclass(model, Results) for model in kind.results.values())
        assert kind.export_columns and all(isinstance(c, Text) for c in kind.export_columns)
    with pytest.raises(DomainError) as refused:
        kinds.get("crossword")
    assert refused.value.code == "unknown_kind" and "open" in refused.value.message


@pytest.mark.parametrize("name", NAMES)
def test_kind_validates_answers_and_refuses_garbage(name: str) -> None:
    kind = REGISTRY[name]
    config = default_settings(name)
    for slot, payload in SAMPLES[name]:
        if slot != STEP_IN:
            stored = kind.normalise_answer(config, slot, payload)
            assert stored == payload
            kind.validate_withdraw(config, slot)
    with pytest.raises(DomainError):
        kind.normalise_answer(config, SAMPLES[name][0][0].replace(STEP_IN, "in:1"), {"nope": 1})
    with pytest.raises(DomainError) as refused:
        kind.validate_withdraw(config, "99x")
    assert refused.value.code == "invalid_slot"


@pytest.mark.parametrize("name", NAMES)
def test_kind_defaults_and_phone_limits(name: str) -> None:
    kind = REGISTRY[name]
    for language in ("nl", "en"):
        config = kind.defaults(sayer(language))
        assert isinstance(config, kind.settings)
        limits = kind.phone_payload(config)
        assert all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in limits.values())
    assert isinstance(kind.private(default_settings(name)), bool)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_kind_tally_equals_recount_and_fits_its_results_models(name: str, data: st.DataObject) -> None:
    ops = data.draw(
        st.lists(st.tuples(st.sampled_from(PEOPLE), st.integers(0, 20), st.booleans()), max_size=30)
    )
    tally, rows = _history(name, ops)
    recount = kinds.tally_from_rows(
        name, [Change(p, s, r.number, None, r.payload, f"Naam {p}") for (p, s), r in rows.items()]
    )
    assert tally == recount
    moderation = Moderation(
        highlighted={1, 3}, hidden_entries={2}, hidden_words={"leren"}, merges={"vertrouwen": "leren"}
    )
    for language in ("nl", "en"):
        config = default_settings(name, language)
        for audience in AUDIENCES:
            snapshot = tally.snapshot(config, moderation, audience=audience)
            typed = REGISTRY[name].results[audience].model_validate(snapshot, strict=True)
            # Exactly the model: nothing coerced, dropped or defaulted on the way.
            assert typed.model_dump(exclude_unset=True) == snapshot, (name, audience)
            assert snapshot == recount.snapshot(config, moderation, audience=audience)


@pytest.mark.parametrize("name", NAMES)
def test_kind_export_rows_fill_its_columns(name: str) -> None:
    kind = REGISTRY[name]
    _, rows = _history(name, [(p, i, True) for i in range(len(SAMPLES[name])) for p in PEOPLE])
    assert rows, f"{name}: no sample answer was accepted"
    config = default_settings(name).model_dump(mode="json")
    by_number = {r.number: r for r in rows.values()}
    for row in rows.values():
        cells = kind.export_row(row, config, by_number.get, sayer("nl"))
        assert len(cells) == len(kind.export_columns)
        assert isinstance(kind.hidden(row, Moderation(hidden_entries={row.number})), bool)
    assert kind.mean(config, list(rows.values())) is None or isinstance(
        kind.mean(config, list(rows.values())), float
    )


@pytest.mark.parametrize("name", NAMES)
def test_kind_report_section_is_drawn_and_has_its_template(name: str) -> None:
    kind = REGISTRY[name]
    assert (ROOT / "web" / "templates" / "kinds" / f"{name}.html").is_file()
    context = ReportContext(
        say=sayer("nl"), words=report.labels("nl"), number=str, nicknames=True, salt="kring-1"
    )
    base = {"kind": name, "number": 1, "prompt": "Vraag", "private": False, "respondents": "4"}
    config = default_settings(name)
    empty = kind.new_tally().snapshot(config, Moderation(), audience="presenter")
    assert kind.report_section(dict(base), empty, context) is None
    tally, _ = _history(name, [(p, i, True) for i in range(len(SAMPLES[name])) for p in PEOPLE])
    results = tally.snapshot(config, Moderation(), audience="presenter")
    found = kind.report_section(dict(base), results, context)
    assert found is not None and found["kind"] == name
    drawn = report._drawn(found, "nl")
    assert "'chart'" not in repr(drawn), "every chart spec is one services/report.py draws"


@pytest.mark.parametrize("name", NAMES)
def test_kind_is_documented_and_in_the_catalogue(name: str) -> None:
    section = kind_section(name)
    assert section and "Answer:" in section and "Results:" in section
    nl, en = _catalogue("nl"), _catalogue("en")
    for text in _texts(REGISTRY[name]):
        assert nl.get(text.msgid), f"{name}: {text.msgid!r} has no Dutch text"
        assert en.get(text.msgid), f"{name}: {text.msgid!r} has no English text"


def test_report_template_never_branches_on_a_kind() -> None:
    page = (ROOT / "web" / "templates" / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"s\.kind\s*==", page)


def test_nothing_outside_the_kinds_branches_on_a_kind_name() -> None:
    branching = re.compile(r"kind ?(==|!=|in) ?[\"'(\[]")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "server").rglob("*.py"))
        if "kinds" not in path.relative_to(ROOT / "server").parts[:1]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if branching.search(line)
    ]
    assert found == []
