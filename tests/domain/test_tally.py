"""Snapshots per kind: ordering, moderation, spelling, means and percentages."""

from __future__ import annotations

from server.domain.activities import ScalesSettings, default_settings, settings_for
from server.domain.tally import Change, Moderation, new_tally


def add(tally: object, person: int, slot: str, entry: int, payload: dict[str, object]) -> None:
    tally.apply(Change(person, slot, entry, None, payload))  # type: ignore[attr-defined]


def test_open_highlighted_first_then_newest_and_hidden_only_for_host() -> None:
    tally = new_tally("open")
    for entry in (1, 2, 3):
        add(tally, entry, "0", entry, {"text": f"antwoord {entry}"})
    moderation = Moderation(highlighted={1}, hidden_entries={2})
    shown = tally.snapshot(default_settings("open"), moderation, audience="presenter")
    assert [a["id"] for a in shown["answers"]] == [1, 3]  # type: ignore[index]
    host = tally.snapshot(default_settings("open"), moderation, audience="host")
    assert [(a["id"], a["hidden"]) for a in host["answers"]] == [(1, False), (3, False), (2, True)]  # type: ignore[index]


def test_wordcloud_counts_normalised_and_shows_most_used_spelling() -> None:
    tally = new_tally("wordcloud")
    for entry, word in enumerate(["Samenwerking", "samenwerking", "samenwerking", "Leren"], start=1):
        add(tally, entry, "0", entry, {"word": word})
    words = tally.snapshot(default_settings("wordcloud"), Moderation(), audience="presenter")["words"]
    assert words == [
        {"key": "samenwerking", "text": "samenwerking", "count": 3},
        {"key": "leren", "text": "Leren", "count": 1},
    ]


def test_wordcloud_merge_chain_hide_and_profanity() -> None:
    tally = new_tally("wordcloud")
    for entry, word in enumerate(["Samen", "Samenwerking", "Teamwork", "kut", "Leren"], start=1):
        add(tally, entry, "0", entry, {"word": word})
    moderation = Moderation(merges={"teamwork": "samen", "samen": "samenwerking"}, hidden_words={"leren"})
    config = default_settings("wordcloud")
    words = tally.snapshot(config, moderation, audience="presenter")["words"]
    assert words == [{"key": "samenwerking", "text": "Samenwerking", "count": 3}]
    moderation.profanity_filter_off = True
    keys = [w["key"] for w in tally.snapshot(config, moderation, audience="presenter")["words"]]  # type: ignore[index]
    assert keys == ["samenwerking", "kut"]
    host = tally.snapshot(config, Moderation(), audience="host")["words"]
    assert {w["key"]: w["profane"] for w in host}["kut"] is True  # type: ignore[index]


def test_merge_cycle_does_not_hang() -> None:
    assert Moderation(merges={"a": "b", "b": "a"}).resolve("a") in {"a", "b"}


def test_scales_distribution_mean_and_numeric_values() -> None:
    tally = new_tally("scales")
    for person, value in ((1, 5), (2, 4), (3, 4)):
        add(tally, person, "0", person, {"value": value})
    snap = tally.snapshot(default_settings("scales"), Moderation(), audience="presenter")
    first = snap["statements"][0]  # type: ignore[index]
    assert (first["count"], first["distribution"], first["mean"]) == (3, [0, 0, 0, 2, 1], 4.33)
    assert snap["statements"][1]["mean"] is None  # type: ignore[index]
    numeric = settings_for("scales", {"mode": "numeric", "min": -5, "max": 25, "statements": ["Rood"]})
    assert isinstance(numeric, ScalesSettings)
    tally = new_tally("scales")
    add(tally, 1, "0", 1, {"value": -5})
    add(tally, 2, "0", 2, {"value": 20})
    item = tally.snapshot(numeric, Moderation(), audience="presenter")["statements"][0]  # type: ignore[index]
    assert item["values"] == [-5, 20] and len(item["distribution"]) == 31


def test_checkout_words_in_order_with_step_ins() -> None:
    tally = new_tally("checkout")
    add(tally, 1, "word", 10, {"word": "verbinding"})
    add(tally, 2, "word", 11, {"word": "plezier"})
    add(tally, 2, "in:10", 12, {})
    add(tally, 3, "in:10", 13, {})
    tally.apply(Change(3, "in:10", 13, {}, None))
    snap = tally.snapshot(default_settings("checkout"), Moderation(), audience="presenter")
    assert snap["words"] == [
        {"id": 10, "text": "verbinding", "stepins": 1},
        {"id": 11, "text": "plezier", "stepins": 0},
    ]
    assert tally.owner_of(10) == 1 and tally.owner_of(99) is None


def test_choice_counts_and_percentages() -> None:
    tally = new_tally("choice")
    config = settings_for("choice", {"options": ["A", "B", "C"], "max_choices": 2})
    add(tally, 1, "0", 1, {"options": [0, 1]})
    add(tally, 2, "0", 2, {"options": [1]})
    options = tally.snapshot(config, Moderation(), audience="presenter")["options"]
    assert [(o["count"], o["percent"]) for o in options] == [(1, 50.0), (2, 100.0), (0, 0.0)]  # type: ignore[index]


def test_moderation_round_trips_through_json() -> None:
    moderation = Moderation({1}, {2}, {"x"}, {"a": "b"}, True)
    assert Moderation.from_json(moderation.to_json()) == moderation
