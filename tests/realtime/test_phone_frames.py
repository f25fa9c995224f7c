"""Phone frames have a size bound independent of the hall; the big screen keeps every entry."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.domain.errors import DomainError
from server.domain.meeting import ActivityInfo, MeetingInfo
from server.kinds import Change
from server.kinds.bounds import (
    CHECKOUT_NEWEST,
    CHECKOUT_TOP,
    FIND_LIMIT,
    GROUP_MEMBERS,
    WALL_NEWEST,
    WORDCLOUD_TOP,
)
from server.realtime.finding import found_frame
from server.realtime.messages import FindIn
from server.realtime.room import Room
from server.services.meetings import MeetingAuth

SETTINGS: dict[str, dict[str, Any]] = {
    "checkout": {},
    "wordcloud": {"max_entries": 1},
    "open": {},
    "cards": {},
    "groups": {"options": ["Koffie", "Thee"]},
    "scales": {"mode": "numeric", "min": -10, "max": 10, "statements": ["Hoe voel je je?"]},
    "grid": {"items": ["Idee"], "x_min": -10, "x_max": 10, "spread": "ellipse"},
    "ranking": {"items": ["Leren", "Vragen", "Netwerk"], "partial": True},
    "points": {"options": ["Werkbezoek", "Expert"]},
}


def payload(kind: str, person: int) -> tuple[str, dict[str, Any]]:
    """Person ``person``'s answer; texts of one width, so that only the count of entries varies."""
    return {
        "checkout": ("word", {"word": f"woord{person:05d}"}),
        "wordcloud": ("0", {"word": f"woord{person:05d}"}),
        "open": ("0", {"text": f"antwoord {person:05d}"}),
        "cards": ("0", {"insight": f"inzicht {person:05d}", "action": f"actie {person:05d}"}),
        "groups": ("0", {"option": 0}),  # one full group: the other stays empty
        "scales": ("0", {"value": person % 21 - 10}),
        "grid": ("0", {"x": person % 21 - 10, "y": person % 10 + 1}),
        "ranking": ("0", {"order": [person % 3, (person + 1) % 3][: 1 + person % 2]}),
        "points": ("0", {"points": [person % 101, 100 - person % 101]}),
    }[kind]


def hall(kind: str, n: int, current: bool = True) -> Room:
    """A room where ``n`` people answered (check-out: each steps in on 3 others' words too)."""
    activity = ActivityInfo(
        id=1,
        position=0,
        kind=kind,
        prompt="Wat neem je mee?",
        settings=SETTINGS[kind],
        status="open",
        show_results_phones=True,
    )
    meeting = MeetingInfo(
        id=7,
        code="ABCDEF",
        title="T",
        theme="Inclusie",
        language="nl",
        current_activity_id=1 if current else None,
        activities=(activity,),
    )
    room = Room(meeting, MeetingAuth(7, "h", "p"), "http://127.0.0.1:8000/ABCDEF")
    changes = []
    for person in range(1, n + 1):
        slot, value = payload(kind, person)
        changes.append(Change(person, slot, person, None, value, f"naam{person:05d}"))
    if kind == "checkout":  # word ids are 1..n; step-ins get ids above them
        entry = n
        for person in range(1, n + 1):
            for step in (1, 2, 3):
                entry += 1
                target = (person + step * 7) % n + 1
                changes.append(Change(person, f"in:{target}", entry, None, {}))
    room.apply(1, changes, {})
    return room


def phone_frames(room: Room) -> tuple[int, int]:
    results = room.results_frame()
    assert results is not None
    return len(room.state_frame().encode()), len(results.encode())


@pytest.mark.parametrize("kind", sorted(SETTINGS))
def test_phone_frames_do_not_grow_with_the_hall(kind: str) -> None:
    small = phone_frames(hall(kind, 50))
    large = phone_frames(hall(kind, 2000))
    # The same number of entries; only their ids and counts have more digits. Before the bound
    # the check-out's frame grew 35-fold from 50 to 2,000 phones, the cards' wall 37-fold.
    for before, after in zip(small, large, strict=True):
        assert after <= before * 1.05 + 64, (kind, small, large)


@pytest.mark.parametrize(
    ("kind", "field", "bound"),
    [
        ("checkout", "words", CHECKOUT_TOP + CHECKOUT_NEWEST),
        ("wordcloud", "words", WORDCLOUD_TOP),
        ("open", "answers", WALL_NEWEST),
        ("cards", "cards", WALL_NEWEST),
    ],
)
def test_the_big_screen_and_the_remote_keep_every_entry(kind: str, field: str, bound: int) -> None:
    room = hall(kind, 2000)
    for audience in ("presenter", "host"):
        snapshot = json.loads(room.snapshot_frame(audience))
        assert len(snapshot["results"][field]) == 2000
    phone = json.loads(room.state_frame())["results"]
    assert len(phone[field]) <= bound
    assert phone["total"] == 2000


def test_a_checkout_phone_gets_the_most_stepped_in_and_the_newest_words() -> None:
    room = hall("checkout", 200)
    extra = [Change(500 + i, "in:42", 10_000 + i, None, {}) for i in range(5)]
    room.apply(1, extra, {})
    results = json.loads(room.state_frame())["results"]
    shown = [word["id"] for word in results["words"]]
    assert shown == sorted(shown)  # in order of appearance: the list does not jump about
    assert 42 in shown and next(w for w in results["words"] if w["id"] == 42)["stepins"] == 8
    assert {196, 197, 198, 199, 200} <= set(shown)  # the newest
    assert len(shown) <= CHECKOUT_TOP + CHECKOUT_NEWEST


def test_a_checkout_phone_is_told_its_own_words_outside_the_list() -> None:
    room = hall("checkout", 200)
    shown = {word["id"] for word in json.loads(room.state_frame())["results"]["words"]}
    mine = room.mine_frame(100)  # word 100, stepped in on 108, 115 and 122
    assert mine is not None
    words = json.loads(mine)["words"]
    assert [w["id"] for w in words] == [100, 108, 115, 122]
    assert 100 not in shown and words[0] == {"id": 100, "text": "woord00100", "stepins": 3}


def test_find_returns_bounded_matches_starting_ones_first() -> None:
    room = hall("checkout", 2000)
    room.apply(1, [Change(3000, "word", 3000, None, {"word": "Samenwerking"})], {})
    room.apply(1, [Change(3001, "word", 3001, None, {"word": "Échte samenwerking"})], {})
    found = json.loads(found_frame(room, FindIn(type="find", activity_id=1, query="  SAMENwerk")))
    assert [w["text"] for w in found["words"]] == ["Samenwerking", "Échte samenwerking"]
    assert found["more"] is False and found["query"] == "  SAMENwerk"
    many = json.loads(found_frame(room, FindIn(type="find", activity_id=1, query="woord01")))
    assert len(many["words"]) == FIND_LIMIT and many["more"] is True
    assert all(w["text"].startswith("woord01") for w in many["words"])


@pytest.mark.parametrize(
    ("kind", "current", "query", "code"),
    [
        ("wordcloud", True, "woord", "wrong_kind"),
        ("checkout", False, "woord", "activity_not_open"),
        ("checkout", True, "   ", "text_empty"),
    ],
)
def test_find_refuses_what_it_cannot_answer(kind: str, current: bool, query: str, code: str) -> None:
    room = hall(kind, 10, current=current)
    with pytest.raises(DomainError) as refused:
        found_frame(room, FindIn(type="find", activity_id=1, query=query))
    assert refused.value.code == code


def test_a_group_phone_gets_names_first_and_the_whole_count() -> None:
    room = hall("groups", 2000)
    room.apply(1, [Change(5000, "0", 5000, None, {"option": 0}, None)], {})
    groups = json.loads(room.state_frame())["results"]["groups"]
    assert [g["count"] for g in groups] == [2001, 0]
    assert len(groups[0]["members"]) == GROUP_MEMBERS and None not in groups[0]["members"]


def test_a_numeric_scale_phone_draws_from_the_distribution() -> None:
    room = hall("scales", 2000)
    statement = json.loads(room.state_frame())["results"]["statements"][0]
    assert "values" not in statement and sum(statement["distribution"]) == 2000
    screen = json.loads(room.snapshot_frame("presenter"))["results"]["statements"][0]
    assert len(screen["values"]) == 2000
