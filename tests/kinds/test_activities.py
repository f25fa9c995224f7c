"""Activity settings and answer validation: every refusal has its own code and a clear message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import pytest

from server.domain.errors import DomainError
from server.i18n import sayer
from server.kinds import KINDS, Change, Kind, KindSettings, Tally, new_tally, settings_for
from server.kinds.choice import ChoiceSettings
from server.kinds.fields import OPEN_MAX_LENGTH, WORD_MAX_LENGTH
from server.kinds.open import OpenSettings
from server.kinds.scales import STATEMENTS, ScalesSettings
from server.kinds.wordcloud import WordcloudSettings
from tests.kinds.support import default_settings, validate_answer, validate_withdraw

RUN_SHEET = [
    "Ik heb nieuwe ideeën en krijg/neem de ruimte om die uit te voeren!",
    "Ik geef aandacht aan mislukte projecten!",
    "Ik wil meer uit mijn netwerk halen!",
    "Ik neem de tijd om te reflecteren op ervaringen.",
    "Ik waardeer mensen die scherpe/goede vragen aan mij stellen.",
]
OTHERS_WORD, OWN_WORD = 77, 78  # checkout entries held by participant 2 and participant 1


def checkout_tally() -> Tally:
    tally = new_tally("checkout")
    tally.apply(Change(2, "word", OTHERS_WORD, None, {"word": "verbinding"}))
    tally.apply(Change(1, "word", OWN_WORD, None, {"word": "plezier"}))
    return tally


def check(
    kind: str,
    slot: str,
    payload: Mapping[str, object],
    *,
    settings: Mapping[str, object] | None = None,
    own: Mapping[str, Mapping[str, object]] | None = None,
    participant: int = 1,
    tally: Tally | None = None,
) -> dict[str, object]:
    k = cast(Kind, kind)
    config = settings_for(k, settings) if settings is not None else default_settings(k)
    if tally is None:
        tally = checkout_tally() if kind == "checkout" else new_tally(k)
    return validate_answer(k, config, slot, payload, own=own or {}, participant=participant, tally=tally)


# -- settings ---------------------------------------------------------------------------------


def test_settings_defaults_follow_the_contract() -> None:
    assert default_settings("open") == OpenSettings(max_answers=1)
    assert OpenSettings.max_length == OPEN_MAX_LENGTH == 280
    assert default_settings("wordcloud") == WordcloudSettings(max_entries=3, profanity_filter=True)
    assert WordcloudSettings.max_length == WORD_MAX_LENGTH == 40
    scales = default_settings("scales")
    assert isinstance(scales, ScalesSettings)
    assert (scales.mode, scales.min, scales.max, scales.pick) == ("stars", 1, 5, None)
    assert scales.statements == RUN_SHEET
    assert (scales.label_low, scales.label_high) == ("Dat geldt helemaal niet voor mij", "Dat typeert mij")
    assert default_settings("choice") == ChoiceSettings(options=["Ja", "Nee"], max_choices=1)
    # Without a language the defaults are the catalogue's msgids (English); a meeting always
    # passes its language, so a Dutch meeting gets the Dutch run sheet.
    assert settings_for("scales", None, sayer("nl")) == scales
    assert settings_for("scales", None) == default_settings("scales", "en")
    # A field given keeps its value; the others still come in the meeting's language.
    partial = settings_for("scales", {"pick": 3}, sayer("nl"))
    assert isinstance(partial, ScalesSettings) and partial.pick == 3 and partial.statements == RUN_SHEET


def test_default_settings_in_english() -> None:
    scales = default_settings("scales", "en")
    assert isinstance(scales, ScalesSettings)
    assert scales.statements == [str(statement) for statement in STATEMENTS] and len(scales.statements) == 5
    assert scales.statements[2] == "I want to get more out of my network!"
    assert (scales.label_low, scales.label_high) == (
        "That doesn't apply to me at all",
        "That's typical of me",
    )
    choice = default_settings("choice", "en")
    assert isinstance(choice, ChoiceSettings) and choice.options == ["Yes", "No"]


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_settings_round_trip_through_json(kind: Kind, language: str) -> None:
    settings = default_settings(kind, language)  # type: ignore[arg-type]
    assert settings_for(kind, settings.model_dump(mode="json")) == settings


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("open", {"max_answers": 0}),
        ("open", {"max_answers": 21}),
        ("open", {"max_answers": "veel"}),
        ("open", {"max_length": 500}),
        ("wordcloud", {"max_entries": 0}),
        ("wordcloud", {"max_entries": 21}),
        ("wordcloud", {"colour": "red"}),
        ("scales", {"min": 5, "max": 1}),
        ("scales", {"min": 3, "max": 3}),
        ("scales", {"statements": []}),
        ("scales", {"statements": ["x"] * 51}),
        ("scales", {"statements": ["   "]}),
        ("scales", {"statements": ["x" * 281]}),
        ("scales", {"statements": ["a\x00b"]}),
        ("scales", {"pick": 0}),
        ("scales", {"pick": 6}),
        ("scales", {"mode": "slider"}),
        ("scales", {"mode": "stars", "min": 0, "max": 5}),
        ("scales", {"mode": "stars", "min": 1, "max": 11}),
        ("scales", {"mode": "numeric", "min": -1000, "max": 1000}),
        ("scales", {"mode": "numeric", "min": 10**9, "max": 10**9 + 5}),
        ("scales", {"label_low": "x" * 201}),
        ("choice", {"options": ["alleen"]}),
        ("choice", {"options": ["x"] * 31}),
        ("choice", {"options": ["a", ""]}),
        ("choice", {"options": ["a", "x" * 201]}),
        ("choice", {"max_choices": 0}),
        ("choice", {"options": ["a", "b"], "max_choices": 3}),
        ("checkout", {"anything": 1}),
    ],
)
def test_settings_for_refuses_invalid_settings(kind: Kind, raw: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as error:
        settings_for(kind, raw)
    assert error.value.code == "invalid_settings"
    assert error.value.message.startswith(f"Invalid {kind} settings: ")


def test_settings_for_message_names_the_field() -> None:
    with pytest.raises(DomainError) as error:
        settings_for("scales", {"min": 5, "max": 1})
    assert "min (5) must be below max (1)" in error.value.message
    with pytest.raises(DomainError) as error:
        settings_for("open", {"max_answers": 21})
    assert "max_answers" in error.value.message


def test_settings_for_refuses_a_non_object() -> None:
    with pytest.raises(DomainError) as error:
        settings_for("open", ["max_answers"])  # type: ignore[arg-type]
    assert error.value.code == "invalid_settings"


def test_settings_for_refuses_an_unknown_kind() -> None:
    with pytest.raises(DomainError) as error:
        settings_for("crossword", None)  # type: ignore[arg-type]
    assert error.value.code == "unknown_kind"


@pytest.mark.parametrize("raw", [{"mode": "yesno"}, {"mode": "yesno", "min": 3, "max": 7}])
def test_scales_yes_no_is_always_zero_to_one(raw: dict[str, Any]) -> None:
    settings = settings_for("scales", raw)
    assert isinstance(settings, ScalesSettings) and (settings.min, settings.max) == (0, 1)


@pytest.mark.parametrize(("low", "high"), [(-5, 25), (0, 1), (1950, 2025), (-100, 100)])
def test_scales_numeric_takes_any_range(low: int, high: int) -> None:
    settings = settings_for("scales", {"mode": "numeric", "min": low, "max": high})
    assert isinstance(settings, ScalesSettings) and (settings.min, settings.max) == (low, high)


def test_settings_text_is_cleaned() -> None:
    scales = settings_for("scales", {"statements": ["  Ik  ben   er\tklaar voor "], "label_low": " "})
    assert isinstance(scales, ScalesSettings)
    assert scales.statements == ["Ik ben er klaar voor"] and scales.label_low == ""
    choice = settings_for("choice", {"options": [" Ja ", "Nee  hoor"]})
    assert isinstance(choice, ChoiceSettings) and choice.options == ["Ja", "Nee hoor"]


# -- answers ----------------------------------------------------------------------------------

REFUSALS: list[tuple[str, str, dict[str, Any], str, dict[str, Any]]] = [
    ("open", "0", {"text": "x" * 281}, "text_too_long", {}),
    ("open", "0", {"text": "   "}, "text_empty", {}),
    ("open", "0", {"text": "a\x00b"}, "control_characters", {}),
    ("open", "0", {"text": "a\u202eb"}, "control_characters", {}),
    ("open", "0", {"text": 5}, "wrong_kind", {}),
    ("open", "0", {"text": None}, "wrong_kind", {}),
    ("open", "0", {}, "wrong_kind", {}),
    ("open", "0", {"text": "x", "extra": 1}, "wrong_kind", {}),
    ("open", "0", {"word": "x"}, "wrong_kind", {}),
    ("open", "1", {"text": "x"}, "invalid_slot", {}),
    ("open", "2", {"text": "x"}, "invalid_slot", {"settings": {"max_answers": 2}}),
    ("open", "-1", {"text": "x"}, "invalid_slot", {}),
    ("open", "00", {"text": "x"}, "invalid_slot", {}),
    ("open", "", {"text": "x"}, "invalid_slot", {}),
    ("open", "٠", {"text": "x"}, "invalid_slot", {}),
    ("wordcloud", "0", {"word": "x" * 41}, "text_too_long", {}),
    ("wordcloud", "0", {"word": "samen\nwerken"}, "control_characters", {}),
    ("wordcloud", "0", {"word": "\u200b"}, "control_characters", {}),
    ("wordcloud", "0", {"word": " "}, "text_empty", {}),
    ("wordcloud", "3", {"word": "x"}, "invalid_slot", {}),
    ("wordcloud", "01", {"word": "x"}, "invalid_slot", {}),
    ("wordcloud", "0", {"text": "x"}, "wrong_kind", {}),
    ("wordcloud", "0", {"word": ["x"]}, "wrong_kind", {}),
    ("scales", "0", {"value": 0}, "value_out_of_range", {}),
    ("scales", "0", {"value": 6}, "value_out_of_range", {}),
    ("scales", "0", {"value": 2}, "value_out_of_range", {"settings": {"mode": "yesno"}}),
    (
        "scales",
        "0",
        {"value": 26},
        "value_out_of_range",
        {"settings": {"mode": "numeric", "min": -5, "max": 25}},
    ),
    ("scales", "0", {"value": True}, "wrong_kind", {}),
    ("scales", "0", {"value": "5"}, "wrong_kind", {}),
    ("scales", "0", {"value": 3.0}, "wrong_kind", {}),
    ("scales", "0", {"value": 3, "why": "x"}, "wrong_kind", {}),
    ("scales", "5", {"value": 3}, "unknown_statement", {}),
    ("scales", "9", {"value": 3}, "unknown_statement", {}),
    ("scales", "x", {"value": 3}, "invalid_slot", {}),
    ("scales", "03", {"value": 3}, "invalid_slot", {}),
    ("scales", "3", {"value": 3}, "too_many_picks", {"settings": {"pick": 3}, "own": ["0", "1", "2"]}),
    ("scales", "1", {"value": 3}, "too_many_picks", {"settings": {"pick": 1}, "own": ["0"]}),
    ("checkout", "word", {"word": ""}, "text_empty", {}),
    ("checkout", "word", {"word": "x" * 41}, "text_too_long", {}),
    ("checkout", "word", {"word": "a\nb"}, "control_characters", {}),
    ("checkout", "word", {"text": "x"}, "wrong_kind", {}),
    ("checkout", f"in:{OWN_WORD}", {}, "own_word", {}),
    ("checkout", "in:99", {}, "unknown_word", {}),
    ("checkout", "in:0", {}, "unknown_word", {}),
    ("checkout", f"in:{OTHERS_WORD}", {"word": "x"}, "wrong_kind", {}),
    ("checkout", f"in:0{OTHERS_WORD}", {}, "invalid_slot", {}),
    ("checkout", "in:", {}, "invalid_slot", {}),
    ("checkout", "in:abc", {}, "invalid_slot", {}),
    ("checkout", f"in{OTHERS_WORD}", {}, "invalid_slot", {}),
    ("checkout", f"out:{OTHERS_WORD}", {}, "invalid_slot", {}),
    ("checkout", "0", {"word": "x"}, "invalid_slot", {}),
    ("choice", "0", {"options": []}, "no_option", {}),
    ("choice", "0", {"options": [2]}, "unknown_option", {}),
    ("choice", "0", {"options": [-1]}, "unknown_option", {}),
    ("choice", "0", {"options": [0, 1]}, "too_many_options", {}),
    (
        "choice",
        "0",
        {"options": [0, 1, 2]},
        "too_many_options",
        {"settings": {"options": ["a", "b", "c"], "max_choices": 2}},
    ),
    ("choice", "0", {"options": [0, 0]}, "wrong_kind", {}),
    ("choice", "0", {"options": "0"}, "wrong_kind", {}),
    ("choice", "0", {"options": 0}, "wrong_kind", {}),
    ("choice", "0", {"options": ["0"]}, "wrong_kind", {}),
    ("choice", "0", {"options": [True]}, "wrong_kind", {}),
    ("choice", "0", {"option": [0]}, "wrong_kind", {}),
    ("choice", "1", {"options": [0]}, "invalid_slot", {}),
]


@pytest.mark.parametrize(
    ("kind", "slot", "payload", "code", "extra"),
    REFUSALS,
    ids=[f"{kind}-{code}-{i}" for i, (kind, _, _, code, _) in enumerate(REFUSALS)],
)
def test_validate_answer_refuses_with_code(
    kind: str, slot: str, payload: dict[str, Any], code: str, extra: dict[str, Any]
) -> None:
    own = {s: {"value": 3} for s in extra.get("own", [])}
    with pytest.raises(DomainError) as error:
        check(kind, slot, payload, own=own, settings=extra.get("settings"))
    assert error.value.code == code
    assert error.value.message.endswith(".")


@pytest.mark.parametrize(
    ("kind", "slot", "payload", "settings", "stored"),
    [
        (
            "open",
            "0",
            {"text": "  Hallo   wereld \n\n\n\nen  meer "},
            None,
            {"text": "Hallo wereld\n\nen meer"},
        ),
        ("open", "4", {"text": "vijfde"}, {"max_answers": 5}, {"text": "vijfde"}),
        ("open", "0", {"text": "x" * 280}, None, {"text": "x" * 280}),
        ("wordcloud", "0", {"word": " Samen\twerken "}, None, {"word": "Samen werken"}),
        ("wordcloud", "2", {"word": "e\u0301e\u0301n"}, None, {"word": "één"}),
        ("wordcloud", "0", {"word": "👩\u200d👩\u200d👧"}, None, {"word": "👩\u200d👩\u200d👧"}),
        ("scales", "4", {"value": 5}, None, {"value": 5}),
        ("scales", "0", {"value": 0}, {"mode": "yesno"}, {"value": 0}),
        ("scales", "0", {"value": -5}, {"mode": "numeric", "min": -5, "max": 25}, {"value": -5}),
        ("checkout", "word", {"word": "  Verbinding "}, None, {"word": "Verbinding"}),
        ("checkout", f"in:{OTHERS_WORD}", {}, None, {}),
        ("choice", "0", {"options": [1]}, None, {"options": [1]}),
        (
            "choice",
            "0",
            {"options": [2, 0]},
            {"options": ["a", "b", "c"], "max_choices": 2},
            {"options": [0, 2]},
        ),
    ],
)
def test_validate_answer_returns_the_payload_to_store(
    kind: str,
    slot: str,
    payload: dict[str, Any],
    settings: dict[str, Any] | None,
    stored: dict[str, object],
) -> None:
    assert check(kind, slot, payload, settings=settings) == stored


@pytest.mark.parametrize(
    ("own", "slot", "allowed"),
    [
        ([], "0", True),
        (["0"], "1", True),
        (["0", "1"], "1", True),  # changing a rating is not another pick
        (["0", "1"], "2", False),
        (["3", "4"], "0", False),
    ],
)
def test_scales_pick_counts_distinct_statements(own: list[str], slot: str, allowed: bool) -> None:
    def rate() -> dict[str, object]:
        return check("scales", slot, {"value": 4}, settings={"pick": 2}, own={s: {"value": 1} for s in own})

    if allowed:
        assert rate() == {"value": 4}
    else:
        with pytest.raises(DomainError, match="withdraw a rating") as error:
            rate()
        assert error.value.code == "too_many_picks"


def test_scales_without_pick_rates_every_statement() -> None:
    own = {str(i): {"value": 3} for i in range(4)}
    assert check("scales", "4", {"value": 1}, own=own) == {"value": 1}


def test_checkout_step_in_needs_a_living_word_of_someone_else() -> None:
    tally = checkout_tally()
    assert check("checkout", f"in:{OTHERS_WORD}", {}, participant=1, tally=tally) == {}
    assert check("checkout", f"in:{OWN_WORD}", {}, participant=2, tally=tally) == {}
    tally.apply(Change(2, "word", OTHERS_WORD, {"word": "verbinding"}, None))
    with pytest.raises(DomainError) as error:
        check("checkout", f"in:{OTHERS_WORD}", {}, participant=1, tally=tally)
    assert error.value.code == "unknown_word"


def test_validate_answer_refuses_a_payload_that_is_not_an_object() -> None:
    with pytest.raises(DomainError) as error:
        check("open", "0", ["text"])  # type: ignore[arg-type]
    assert error.value.code == "wrong_kind"


def test_validate_answer_with_settings_of_another_kind_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        validate_answer(
            "open",
            default_settings("choice"),
            "0",
            {"text": "x"},
            own={},
            participant=1,
            tally=new_tally("open"),
        )


def test_validate_answer_refuses_an_unknown_kind() -> None:
    with pytest.raises(DomainError) as error:
        validate_answer(
            "crossword",  # type: ignore[arg-type]
            default_settings("open"),
            "0",
            {"text": "x"},
            own={},
            participant=1,
            tally=new_tally("open"),
        )
    assert error.value.code == "unknown_kind"


# -- withdrawals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "slot"),
    [
        ("open", "0"),
        ("wordcloud", "2"),
        ("scales", "4"),
        ("checkout", "word"),
        ("checkout", "in:5"),
        ("choice", "0"),
    ],
)
def test_validate_withdraw_accepts_slots_that_can_exist(kind: Kind, slot: str) -> None:
    validate_withdraw(kind, default_settings(kind), slot)


@pytest.mark.parametrize(
    ("kind", "slot"),
    [
        ("open", "1"),
        ("open", "a"),
        ("wordcloud", "3"),
        ("wordcloud", "00"),
        ("scales", "5"),
        ("scales", "-1"),
        ("checkout", "words"),
        ("checkout", "in:05"),
        ("checkout", "in:"),
        ("choice", "1"),
        ("choice", ""),
    ],
)
def test_validate_withdraw_refuses_slots_that_cannot_exist(kind: Kind, slot: str) -> None:
    with pytest.raises(DomainError) as error:
        validate_withdraw(kind, default_settings(kind), slot)
    assert error.value.code == "invalid_slot"


def test_settings_union_covers_every_kind() -> None:
    kinds: dict[str, type[KindSettings]] = {kind: type(default_settings(kind)) for kind in KINDS}
    assert len(set(kinds.values())) == len(KINDS)
