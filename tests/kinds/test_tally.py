"""Tally snapshots for every kind: ordering, moderation, spellings, means and percentages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from server.domain.errors import DomainError
from server.i18n import sayer
from server.kinds import AUDIENCES, Change, Moderation, Tally, new_tally, settings_for, tally_from_rows
from tests.kinds.support import default_settings


def add(tally: Tally, person: int, slot: str, entry: int, payload: Mapping[str, object]) -> None:
    tally.apply(Change(person, slot, entry, None, payload))


def wordcloud(*words: str) -> Tally:
    tally = new_tally("wordcloud")
    for entry, word in enumerate(words, start=1):
        add(tally, entry, "0", entry, {"word": word})
    return tally


def cloud(tally: Tally, moderation: Moderation | None = None, audience: Any = "presenter", **raw: Any) -> Any:
    settings = settings_for("wordcloud", raw)
    return tally.snapshot(settings, moderation or Moderation(), audience=audience)["words"]


# -- open -------------------------------------------------------------------------------------


def test_open_snapshot_shape() -> None:
    tally = new_tally("open")
    add(tally, 1, "0", 1, {"text": "Ruimte om te leren"})
    add(tally, 2, "0", 2, {"text": "Meer uit\nmijn netwerk"})
    assert tally.snapshot(default_settings("open"), Moderation(), audience="participant") == {
        "kind": "open",
        "answers": [
            {"id": 2, "text": "Meer uit\nmijn netwerk", "highlighted": False},
            {"id": 1, "text": "Ruimte om te leren", "highlighted": False},
        ],
        "total": 2,  # phones only: their list is bounded (bounds.WALL_NEWEST)
        "responses": 2,
        "respondents": 2,
    }


def test_open_highlighted_first_then_newest_and_hidden_only_for_host() -> None:
    tally = new_tally("open")
    for entry in (1, 2, 3, 4, 5):
        add(tally, entry, "0", entry, {"text": f"antwoord {entry}"})
    moderation = Moderation(highlighted={1, 3}, hidden_entries={2, 3})
    presenter = tally.snapshot(default_settings("open"), moderation, audience="presenter")
    assert [a["id"] for a in presenter["answers"]] == [1, 5, 4]  # type: ignore[attr-defined]
    assert all("hidden" not in a for a in presenter["answers"])  # type: ignore[attr-defined]
    host = tally.snapshot(default_settings("open"), moderation, audience="host")
    assert [(a["id"], a["highlighted"], a["hidden"]) for a in host["answers"]] == [  # type: ignore[attr-defined]
        (3, True, True),
        (1, True, False),
        (5, False, False),
        (4, False, False),
        (2, False, True),
    ]
    assert host["responses"] == presenter["responses"] == 5  # hiding moderates, it does not uncount


def test_open_replacement_keeps_its_place_and_withdrawal_removes() -> None:
    tally = new_tally("open")
    add(tally, 1, "0", 1, {"text": "eerst"})
    add(tally, 1, "1", 2, {"text": "tweede"})
    tally.apply(Change(1, "0", 1, {"text": "eerst"}, {"text": "verbeterd"}))
    tally.apply(Change(1, "1", 2, {"text": "tweede"}, None))
    snap = tally.snapshot(default_settings("open"), Moderation(), audience="host")
    assert snap["answers"] == [{"id": 1, "text": "verbeterd", "highlighted": False, "hidden": False}]
    assert (snap["responses"], snap["respondents"]) == (1, 1)


# -- word cloud -------------------------------------------------------------------------------


def test_wordcloud_snapshot_counts_keys_and_shows_most_used_spelling() -> None:
    tally = wordcloud("Samenwerking", "samenwerking", "samenwerking", "Leren", "Samenwerking", "samenwerking")
    assert tally.snapshot(default_settings("wordcloud"), Moderation(), audience="presenter") == {
        "kind": "wordcloud",
        "words": [
            {"key": "samenwerking", "text": "samenwerking", "count": 5},
            {"key": "leren", "text": "Leren", "count": 1},
        ],
        "responses": 6,
        "respondents": 6,
    }


def test_wordcloud_spelling_tie_goes_to_the_smallest_and_count_tie_to_the_key() -> None:
    words = cloud(wordcloud("Vertrouwen", "vertrouwen", "Aandacht", "Zorg"))
    assert words == [
        {"key": "vertrouwen", "text": "Vertrouwen", "count": 2},
        {"key": "aandacht", "text": "Aandacht", "count": 1},
        {"key": "zorg", "text": "Zorg", "count": 1},
    ]


def test_wordcloud_normalises_nfc_case_and_whitespace() -> None:
    words = cloud(wordcloud("e\u0301e\u0301n", "Één", "één", "  ÉÉN "))
    assert [(w["key"], w["count"]) for w in words] == [("één", 4)]


def test_wordcloud_merge_chain_sums_into_the_target_spelling() -> None:
    tally = wordcloud("Samen", "samen", "Samenwerking", "Teamwork", "Leren")
    moderation = Moderation(merges={"teamwork": "samen", "samen": "samenwerking"})
    assert cloud(tally, moderation) == [
        {"key": "samenwerking", "text": "Samenwerking", "count": 4},
        {"key": "leren", "text": "Leren", "count": 1},
    ]


def test_wordcloud_merge_into_an_untyped_key_reads_as_the_groups_favourite() -> None:
    tally = wordcloud("Team", "team", "team", "Teamwork")
    assert cloud(tally, Moderation(merges={"team": "samen", "teamwork": "samen"})) == [
        {"key": "samen", "text": "team", "count": 4}
    ]


def test_wordcloud_merge_cycle_merges_nothing() -> None:
    tally = wordcloud("a", "b", "b")
    assert cloud(tally, Moderation(merges={"a": "b", "b": "a"})) == [
        {"key": "b", "text": "b", "count": 2},
        {"key": "a", "text": "a", "count": 1},
    ]


def test_wordcloud_hidden_words_only_reach_the_host() -> None:
    tally = wordcloud("Leren", "Delen")
    moderation = Moderation(hidden_words={"leren"})
    assert [w["key"] for w in cloud(tally, moderation)] == ["delen"]
    assert [w["key"] for w in cloud(tally, moderation, audience="participant")] == ["delen"]
    assert cloud(tally, moderation, audience="host") == [
        {"key": "delen", "text": "Delen", "count": 1, "hidden": False, "profane": False},
        {"key": "leren", "text": "Leren", "count": 1, "hidden": True, "profane": False},
    ]


def test_wordcloud_profanity_filter_setting_and_override() -> None:
    tally = wordcloud("kut", "Kut", "Klootzak", "Leren")
    assert [w["key"] for w in cloud(tally)] == ["leren"]
    assert [w["key"] for w in cloud(tally, profanity_filter=False)] == ["kut", "klootzak", "leren"]
    off = Moderation(profanity_filter_off=True)
    assert [w["key"] for w in cloud(tally, off)] == ["kut", "klootzak", "leren"]
    host = cloud(tally, audience="host")
    assert {w["key"]: (w["profane"], w["hidden"]) for w in host} == {
        "kut": (True, False),
        "klootzak": (True, False),
        "leren": (False, False),
    }


def test_wordcloud_withdrawal_and_replacement() -> None:
    tally = wordcloud("Leren", "leren")
    tally.apply(Change(1, "0", 1, {"word": "Leren"}, {"word": "Delen"}))
    tally.apply(Change(2, "0", 2, {"word": "leren"}, None))
    assert cloud(tally) == [{"key": "delen", "text": "Delen", "count": 1}]
    assert (tally.responses(), tally.respondents()) == (1, 1)


# -- scales -----------------------------------------------------------------------------------


def test_scales_snapshot_shape_with_distribution_and_mean() -> None:
    tally = new_tally("scales")
    for person, value in ((1, 5), (2, 4), (3, 4)):
        add(tally, person, "0", person, {"value": value})
    add(tally, 1, "2", 4, {"value": 1})
    settings = settings_for("scales", {"statements": ["Een", "Twee", "Drie"]}, sayer("nl"))
    assert tally.snapshot(settings, Moderation(), audience="presenter") == {
        "kind": "scales",
        "mode": "stars",
        "min": 1,
        "max": 5,
        "label_low": "Dat geldt helemaal niet voor mij",
        "label_high": "Dat typeert mij",
        "statements": [
            {"index": 0, "text": "Een", "count": 3, "distribution": [0, 0, 0, 2, 1], "mean": 4.33},
            {"index": 1, "text": "Twee", "count": 0, "distribution": [0, 0, 0, 0, 0], "mean": None},
            {"index": 2, "text": "Drie", "count": 1, "distribution": [1, 0, 0, 0, 0], "mean": 1.0},
        ],
        "responses": 4,
        "respondents": 3,
    }


def test_scales_yes_no_distribution_is_nee_then_ja() -> None:
    tally = new_tally("scales")
    for person, value in ((1, 1), (2, 1), (3, 0)):
        add(tally, person, "0", person, {"value": value})
    item = tally.snapshot(settings_for("scales", {"mode": "yesno"}), Moderation(), audience="presenter")
    first = item["statements"][0]  # type: ignore[index]
    assert (first["distribution"], first["mean"], "values" in first) == ([1, 2], 0.67, False)


def test_scales_numeric_lists_every_value_for_the_dots() -> None:
    settings = settings_for("scales", {"mode": "numeric", "min": -5, "max": 25, "statements": ["Rood"]})
    tally = new_tally("scales")
    for person, value in ((1, 20), (2, -5), (3, 20), (4, 5)):
        add(tally, person, "0", person, {"value": value})
    tally.apply(Change(4, "0", 4, {"value": 5}, {"value": -5}))
    item = tally.snapshot(settings, Moderation(), audience="presenter")["statements"][0]  # type: ignore[index]
    assert item["values"] == [-5, -5, 20, 20]
    assert len(item["distribution"]) == 31 and item["distribution"][0] == 2 and item["distribution"][25] == 2
    assert item["mean"] == 7.5


def test_scales_mean_survives_sums_that_cross_zero() -> None:
    settings = settings_for("scales", {"mode": "numeric", "min": -5, "max": 5, "statements": ["Nul"]})
    tally = new_tally("scales")
    add(tally, 1, "0", 1, {"value": 5})
    add(tally, 2, "0", 2, {"value": -5})
    assert tally.snapshot(settings, Moderation(), audience="host")["statements"][0]["mean"] == 0.0  # type: ignore[index]
    tally.apply(Change(2, "0", 2, {"value": -5}, None))
    assert tally == tally_from_rows("scales", [Change(1, "0", 1, None, {"value": 5})])


# -- checkout ---------------------------------------------------------------------------------


def test_checkout_snapshot_in_order_of_appearance_with_step_ins() -> None:
    tally = new_tally("checkout")
    add(tally, 1, "word", 10, {"word": "verbinding"})
    add(tally, 2, "word", 11, {"word": "plezier"})
    add(tally, 2, "in:10", 12, {})
    add(tally, 3, "in:10", 13, {})
    tally.apply(Change(3, "in:10", 13, {}, None))
    for audience in AUDIENCES:
        # Phones also get how many words there are: theirs is a bounded list (bounds.CHECKOUT_TOP).
        total = {"total": 2} if audience == "participant" else {}
        assert tally.snapshot(default_settings("checkout"), Moderation(), audience=audience) == {
            "kind": "checkout",
            "words": [
                {"id": 10, "text": "verbinding", "stepins": 1},
                {"id": 11, "text": "plezier", "stepins": 0},
            ],
            **total,
            "responses": 3,
            "respondents": 2,
        }
    assert tally.owner_of(10) == 1 and tally.owner_of(11) == 2 and tally.owner_of(99) is None


def test_checkout_step_ins_wait_for_their_word_and_outlive_it() -> None:
    tally = new_tally("checkout")
    add(tally, 2, "in:10", 12, {})  # another worker's step-in overtook the word
    assert tally.snapshot(default_settings("checkout"), Moderation(), audience="host")["words"] == []
    add(tally, 1, "word", 10, {"word": "rust"})
    words = tally.snapshot(default_settings("checkout"), Moderation(), audience="host")["words"]
    assert words == [{"id": 10, "text": "rust", "stepins": 1}]
    tally.apply(Change(1, "word", 10, {"word": "rust"}, None))
    assert tally.snapshot(default_settings("checkout"), Moderation(), audience="host")["words"] == []
    assert tally.owner_of(10) is None and tally.responses() == 1


def test_checkout_replaced_word_keeps_id_and_step_ins() -> None:
    tally = new_tally("checkout")
    add(tally, 1, "word", 10, {"word": "rust"})
    add(tally, 2, "in:10", 11, {})
    tally.apply(Change(1, "word", 10, {"word": "rust"}, {"word": "Rust!"}))
    words = tally.snapshot(default_settings("checkout"), Moderation(), audience="presenter")["words"]
    assert words == [{"id": 10, "text": "Rust!", "stepins": 1}]


# -- choice -----------------------------------------------------------------------------------


def test_choice_snapshot_counts_and_percent_of_respondents() -> None:
    tally = new_tally("choice")
    settings = settings_for("choice", {"options": ["A", "B", "C"], "max_choices": 2})
    add(tally, 1, "0", 1, {"options": [0, 1]})
    add(tally, 2, "0", 2, {"options": [1]})
    add(tally, 3, "0", 3, {"options": [1, 2]})
    assert tally.snapshot(settings, Moderation(), audience="presenter") == {
        "kind": "choice",
        "max_choices": 2,
        "options": [
            {"index": 0, "text": "A", "count": 1, "percent": 33.3},
            {"index": 1, "text": "B", "count": 3, "percent": 100.0},
            {"index": 2, "text": "C", "count": 1, "percent": 33.3},
        ],
        "responses": 3,
        "respondents": 3,
    }


def test_choice_without_respondents_is_zero_percent() -> None:
    tally = new_tally("choice")
    add(tally, 1, "0", 1, {"options": [0]})
    tally.apply(Change(1, "0", 1, {"options": [0]}, None))
    options = tally.snapshot(default_settings("choice"), Moderation(), audience="host")["options"]
    assert [(o["count"], o["percent"]) for o in options] == [(0, 0.0), (0, 0.0)]  # type: ignore[attr-defined]


def test_choice_change_of_mind_moves_the_vote() -> None:
    tally = new_tally("choice")
    add(tally, 1, "0", 1, {"options": [0]})
    tally.apply(Change(1, "0", 1, {"options": [0]}, {"options": [1]}))
    options = tally.snapshot(default_settings("choice"), Moderation(), audience="host")["options"]
    assert [o["count"] for o in options] == [0, 1]  # type: ignore[attr-defined]


# -- moderation, equality, construction -------------------------------------------------------


def test_moderation_round_trips_through_json() -> None:
    moderation = Moderation({1, 5}, {2}, {"x"}, {"a": "b", "b": "c"}, True)
    data = moderation.to_json()
    assert data == {
        "highlighted": [1, 5],
        "hidden_entries": [2],
        "hidden_words": ["x"],
        "merges": {"a": "b", "b": "c"},
        "profanity_filter_off": True,
    }
    assert Moderation.from_json(data) == moderation
    assert Moderation.from_json(None) == Moderation() == Moderation.from_json({})


def test_moderation_from_json_drops_unreadable_parts() -> None:
    raw = {"highlighted": [1, "2", "x", None, True], "merges": ["a"], "profanity_filter_off": "yes"}
    assert Moderation.from_json(raw) == Moderation(highlighted={1, 2})


@pytest.mark.parametrize(
    ("merges", "key", "resolved"),
    [
        ({}, "a", "a"),
        ({"a": "b"}, "a", "b"),
        ({"a": "b", "b": "c", "c": "d"}, "a", "d"),
        ({"a": "b", "b": "c"}, "b", "c"),
        ({"a": "a"}, "a", "a"),
        ({"a": "b", "b": "a"}, "a", "a"),
        ({"a": "b", "b": "a"}, "b", "b"),
        ({"a": "b", "b": "c", "c": "b"}, "a", "a"),
        ({"x": "y"}, "a", "a"),
    ],
)
def test_moderation_resolve_follows_chains_and_ignores_cycles(
    merges: dict[str, str], key: str, resolved: str
) -> None:
    assert Moderation(merges=merges).resolve(key) == resolved


def test_tallies_compare_by_state_and_kind() -> None:
    a, b = new_tally("open"), new_tally("open")
    assert a == b and a != new_tally("choice")
    add(a, 1, "0", 1, {"text": "x"})
    assert a != b
    add(b, 1, "0", 1, {"text": "x"})
    assert a == b and a.state() == b.state()
    with pytest.raises(TypeError):
        hash(a)


def test_tally_from_rows_counts_new_payloads_only() -> None:
    rows = [Change(1, "0", 1, {"text": "oud"}, {"text": "nieuw"}), Change(2, "0", 2, {"text": "weg"}, None)]
    tally = tally_from_rows("open", rows)
    expected = new_tally("open")
    add(expected, 1, "0", 1, {"text": "nieuw"})
    assert tally == expected


def test_new_tally_refuses_an_unknown_kind() -> None:
    with pytest.raises(DomainError) as error:
        new_tally("crossword")  # type: ignore[arg-type]
    assert error.value.code == "unknown_kind"


def test_snapshot_with_settings_of_another_kind_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        new_tally("choice").snapshot(default_settings("open"), Moderation(), audience="host")
