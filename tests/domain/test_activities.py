"""Answer validation per kind: every refusal has its own code and a clear message."""

from __future__ import annotations

from typing import Any

import pytest

from server.domain.activities import default_settings, settings_for, validate_answer, validate_withdraw
from server.domain.errors import DomainError
from server.domain.tally import Change, new_tally


def check(
    kind: str,
    slot: str,
    payload: dict[str, Any],
    *,
    own: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    person: int = 1,
) -> dict[str, object]:
    config = settings_for(kind, settings) if settings is not None else default_settings(kind)  # type: ignore[arg-type]
    tally = new_tally(kind)  # type: ignore[arg-type]
    tally.apply(Change(1, "word", 77, None, {"word": "eigen"})) if kind == "checkout" else None
    return validate_answer(kind, config, slot, payload, own=own or {}, participant=person, tally=tally)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "slot", "payload", "code", "extra"),
    [
        ("open", "0", {"text": "x" * 281}, "text_too_long", {}),
        ("open", "0", {"text": "   "}, "text_empty", {}),
        ("open", "0", {"text": "a\x00b"}, "control_characters", {}),
        ("open", "0", {"text": "a\u202eb"}, "control_characters", {}),
        ("open", "0", {"text": 5}, "wrong_kind", {}),
        ("open", "1", {"text": "x"}, "invalid_slot", {}),
        ("open", "0", {"text": "x", "extra": 1}, "wrong_kind", {}),
        ("wordcloud", "0", {"word": "x" * 41}, "text_too_long", {}),
        ("wordcloud", "3", {"word": "x"}, "invalid_slot", {}),
        ("wordcloud", "0", {"text": "x"}, "wrong_kind", {}),
        ("scales", "0", {"value": 0}, "value_out_of_range", {}),
        ("scales", "0", {"value": 6}, "value_out_of_range", {}),
        ("scales", "0", {"value": True}, "wrong_kind", {}),
        ("scales", "0", {"value": "5"}, "wrong_kind", {}),
        ("scales", "9", {"value": 3}, "unknown_statement", {}),
        ("scales", "3", {"value": 3}, "too_many_picks", {"pick": 3, "own": ["0", "1", "2"]}),
        ("checkout", "word", {"word": ""}, "text_empty", {}),
        ("checkout", "in:77", {}, "own_word", {}),
        ("checkout", "in:78", {}, "unknown_word", {"person": 2}),
        ("checkout", "step", {}, "invalid_slot", {}),
        ("choice", "0", {"options": []}, "no_option", {}),
        ("choice", "0", {"options": [2]}, "unknown_option", {}),
        ("choice", "0", {"options": [0, 1]}, "too_many_options", {}),
        ("choice", "0", {"options": [0, 0]}, "wrong_kind", {}),
        ("choice", "0", {"options": "0"}, "wrong_kind", {}),
        ("choice", "1", {"options": [0]}, "invalid_slot", {}),
    ],
)
def test_validate_answer_refuses_with_code(
    kind: str, slot: str, payload: dict[str, Any], code: str, extra: dict[str, Any]
) -> None:
    settings = {"pick": extra["pick"]} if "pick" in extra else None
    own = {s: {"value": 3} for s in extra.get("own", [])}
    with pytest.raises(DomainError) as error:
        check(kind, slot, payload, own=own, settings=settings, person=extra.get("person", 1))
    assert error.value.code == code and error.value.message


def test_validate_answer_normalises() -> None:
    assert check("open", "0", {"text": "  Hallo   wereld \n\n\n\nen  meer "}) == {
        "text": "Hallo wereld\n\nen meer"
    }
    assert check("wordcloud", "0", {"word": " Samen\twerken "}) == {"word": "Samen werken"}
    assert check("wordcloud", "0", {"word": "e\u0301en"}) == {"word": "één"[0:1] + "en"}
    assert check("choice", "0", {"options": [1, 0]}, settings={"options": ["a", "b"], "max_choices": 2}) == {
        "options": [0, 1]
    }
    assert check("checkout", "in:77", {}, person=2) == {}
    assert check("wordcloud", "0", {"word": "👩\u200d👩\u200d👧"}) == {"word": "👩\u200d👩\u200d👧"}


def test_scales_pick_allows_changing_an_already_rated_statement() -> None:
    own = {s: {"value": 3} for s in ("0", "1", "2")}
    assert check("scales", "1", {"value": 5}, own=own, settings={"pick": 3}) == {"value": 5}


def test_scales_yes_no_variant_takes_zero_and_one() -> None:
    settings = {"mode": "yesno"}
    assert check("scales", "0", {"value": 1}, settings=settings) == {"value": 1}
    with pytest.raises(DomainError):
        check("scales", "0", {"value": 2}, settings=settings)


@pytest.mark.parametrize(
    ("kind", "settings"),
    [
        ("choice", {"options": ["alleen"]}),
        ("choice", {"options": ["a", "b"], "max_choices": 3}),
        ("scales", {"min": 5, "max": 1}),
        ("scales", {"pick": 9}),
        ("scales", {"statements": []}),
        ("open", {"max_answers": 0}),
        ("wordcloud", {"colour": "red"}),
    ],
)
def test_settings_are_validated(kind: str, settings: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as error:
        settings_for(kind, settings)  # type: ignore[arg-type]
    assert error.value.code == "invalid_settings"


def test_default_settings_follow_the_run_sheet_in_both_languages() -> None:
    nl, en = default_settings("scales", "nl"), default_settings("scales", "en")
    assert nl.statements[2] == "Ik wil meer uit mijn netwerk halen!"  # type: ignore[union-attr]
    assert (nl.label_low, nl.label_high) == ("Dat geldt helemaal niet voor mij", "Dat typeert mij")  # type: ignore[union-attr]
    assert en.label_high == "That's typical of me"  # type: ignore[union-attr]
    assert default_settings("choice", "en").options == ["Yes", "No"]  # type: ignore[union-attr]


def test_validate_withdraw_checks_the_slot() -> None:
    validate_withdraw("checkout", default_settings("checkout"), "in:5")
    with pytest.raises(DomainError):
        validate_withdraw("open", default_settings("open"), "4")
