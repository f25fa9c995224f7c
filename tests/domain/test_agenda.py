"""The agenda's pure timing: statuses, plan versus actual, and the advice when a meeting runs late."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from server.domain.agenda import (
    Advice,
    Agenda,
    BlockInfo,
    advise,
    agenda_view,
    behind_label,
    phone_view,
    statuses,
    timing,
)
from server.i18n import say

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def block(id_: int, title: str, minutes: int, *, essential: bool = True, is_break: bool = False) -> BlockInfo:
    return BlockInfo(
        id=id_, position=id_, title=title, duration_minutes=minutes, essential=essential, is_break=is_break
    )


def running(
    blocks: list[BlockInfo], current: int, minutes_in: float, **done: float
) -> tuple[Agenda, datetime]:
    """The agenda with every block before ``current`` done in the minutes given by title (planned
    time when not given), and ``minutes_in`` minutes spent in the current block: (agenda, now)."""
    moment = START
    out: list[BlockInfo] = []
    for b in blocks:
        if b.id < current:
            spent = done.get(b.title.replace(" ", "_"), b.duration_minutes)
            out.append(replace(b, started_at=moment, spent_seconds=int(spent * 60)))
            moment += timedelta(minutes=spent)
        elif b.id == current:
            out.append(replace(b, started_at=moment, entered_at=moment))
            moment += timedelta(minutes=minutes_in)
        else:
            out.append(b)
    return Agenda(blocks=tuple(out), current_block_id=current, started_at=START), moment


def titles(advice: tuple[Advice, ...]) -> list[tuple[str, str, int, int]]:
    return [(a.title, a.action, a.minutes_saved, a.to_minutes) for a in advice]


KICKOFF = [
    block(1, "Opening", 30),
    block(2, "Kennismaken", 30),
    block(3, "Pauze", 10, essential=False, is_break=True),
    block(4, "Kennissnack", 45, essential=False),
    block(5, "Pauze 2", 10, essential=False, is_break=True),
    block(6, "Actieleren", 20),
    block(7, "Afronding", 10, essential=False),
    block(8, "Check-out", 5),
]


# -- advice: shortening --------------------------------------------------------------------------


def test_a_little_late_shortens_only_the_longest_optional_block() -> None:
    agenda, now = running(KICKOFF, 2, 40)  # Kennismaken ten minutes over
    assert titles(advise(agenda, now, 10)[0]) == [("Kennissnack", "shorten", 10, 35)]


def test_shortening_stops_at_half_and_moves_on_to_the_next_block() -> None:
    agenda, now = running(KICKOFF, 2, 30)
    advice, recovers = advise(agenda, now, 30)
    # Kennissnack to half (45 // 2 = 22 min won), then the next longest in agenda order: the breaks.
    assert titles(advice) == [
        ("Pauze", "shorten", 5, 5),
        ("Kennissnack", "shorten", 22, 23),
        ("Pauze 2", "shorten", 3, 7),
    ]
    assert recovers
    assert all(a.to_minutes * 2 >= a.to_minutes + a.minutes_saved for a in advice)


def test_a_current_optional_block_is_shortened_only_by_what_it_has_left() -> None:
    agenda, now = running(KICKOFF, 4, 40, Kennismaken=45)  # 15 late, 40 of 45 Kennissnack minutes gone
    advice, _ = advise(agenda, now, 15)
    kennissnack = next(a for a in advice if a.title == "Kennissnack")
    assert (kennissnack.action, kennissnack.minutes_saved) == ("shorten", 5)
    assert {a.title for a in advice} == {"Kennissnack", "Pauze 2", "Afronding"}


# -- advice: skipping ----------------------------------------------------------------------------


def test_when_shortening_is_not_enough_the_longest_optional_block_is_skipped() -> None:
    agenda, now = running(KICKOFF, 2, 30)
    # Shortening everything wins 5 + 22 + 5 + 5 = 37 minutes; 40 needs a skip. Skipping the
    # Kennissnack wins 45 alone, so nothing else is touched.
    advice, recovers = advise(agenda, now, 40)
    assert titles(advice) == [("Kennissnack", "skip", 45, 0)]
    assert recovers


def test_after_a_skip_the_rest_is_shortened_for_what_is_still_missing() -> None:
    agenda, now = running(KICKOFF, 2, 30)
    advice, recovers = advise(agenda, now, 52)
    assert titles(advice) == [
        ("Pauze", "shorten", 5, 5),
        ("Kennissnack", "skip", 45, 0),
        ("Pauze 2", "shorten", 2, 8),
    ]
    assert recovers and sum(a.minutes_saved for a in advice) == 52


def test_breaks_are_shortened_never_skipped() -> None:
    blocks = [block(1, "Opening", 30), block(2, "Pauze", 20, essential=False, is_break=True)]
    agenda, now = running(blocks, 1, 30)
    advice, recovers = advise(agenda, now, 15)
    assert titles(advice) == [("Pauze", "shorten", 10, 10)]
    assert not recovers


def test_essential_blocks_are_never_advised() -> None:
    agenda, now = running(KICKOFF, 1, 30)
    advice, _ = advise(agenda, now, 500)
    essential = {b.title for b in KICKOFF if b.essential}
    assert advice and not essential & {a.title for a in advice}
    only_essential = [block(1, "Opening", 30), block(2, "Check-out", 5)]
    agenda, now = running(only_essential, 1, 40)
    assert advise(agenda, now, 10) == ((), False)


def test_done_and_skipped_blocks_are_not_advised() -> None:
    # The first break is done and the Kennissnack was skipped (Actieleren entered right after it).
    blocks = list(KICKOFF)
    agenda, now = running(blocks, 6, 0, Kennismaken=50)
    agenda = replace(
        agenda,
        blocks=tuple(
            replace(b, started_at=None, spent_seconds=0) if b.title in ("Kennissnack", "Pauze 2") else b
            for b in agenda.blocks
        ),
    )
    assert statuses(agenda)[4] == "skipped" and statuses(agenda)[3] == "done"
    advice, _ = advise(agenda, now, 5)
    assert titles(advice) == [("Afronding", "shorten", 5, 5)]


def test_skipping_everything_optional_cannot_recover() -> None:
    agenda, now = running(KICKOFF, 2, 120)  # an hour and a half over in the Kennismaken
    times = timing(agenda, now)
    assert times.delta_seconds == 90 * 60
    assert not times.advice_recovers
    assert titles(times.advice) == [
        ("Pauze", "shorten", 5, 5),
        ("Kennissnack", "skip", 45, 0),
        ("Pauze 2", "shorten", 5, 5),
        ("Afronding", "skip", 10, 0),
    ]
    view = agenda_view(agenda, now, host=True)
    assert view is not None and view["advice_recovers"] is False
    assert [a["action"] for a in view["advice"]] == ["shorten", "skip", "shorten", "skip"]


# -- timing ------------------------------------------------------------------------------------


def test_no_advice_within_a_minute_of_the_plan() -> None:
    agenda, now = running(KICKOFF, 2, 30.9)
    times = timing(agenda, now)
    assert times.delta_seconds == 54 and times.advice == () and times.advice_recovers


def test_ahead_of_plan_gives_no_advice_and_says_so() -> None:
    agenda, now = running(KICKOFF, 2, 10, Opening=20)  # the Opening took 20 of its 30 minutes
    times = timing(agenda, now)
    assert times.delta_seconds == -600 and times.advice == ()
    assert say(behind_label(-300), "nl") == "5 min voor" and say(behind_label(-300), "en") == "5 min ahead"
    assert say(behind_label(600), "nl") == "10 min achter" and say(behind_label(30), "nl") == "op schema"
    assert behind_label(600) == "10 min behind"  # English, the API's language, without a catalogue


def test_before_the_start_there_is_no_clock_and_phones_see_what_comes_first() -> None:
    agenda = Agenda(blocks=tuple(KICKOFF))
    times = timing(agenda, START)
    assert times.planned_end is None and times.delta_seconds is None and times.advice == ()
    assert times.planned_minutes == 160
    assert times.planned_offsets[4] == 70
    now, following = phone_view(agenda)
    assert now is None and following is not None and following["title"] == "Opening"


def test_the_agenda_view_counts_down_and_runs_over() -> None:
    agenda, now = running(KICKOFF, 2, 40)
    view = agenda_view(agenda, now, host=False, say=lambda text: say(text, "nl"))
    assert view is not None
    assert view["current"]["remaining_seconds"] == -600 and view["current"]["overtime"]
    assert view["delta_label"] == "10 min achter" and view["next"]["title"] == "Pauze"
    assert "description" not in view["blocks"][0]  # the werkvorm is for the remote only


# -- properties --------------------------------------------------------------------------------

blocks_strategy = st.lists(
    st.tuples(st.integers(1, 90), st.booleans(), st.booleans()), min_size=1, max_size=10
).map(
    lambda rows: [
        block(i, f"B{i}", minutes, essential=essential, is_break=is_break and not essential)
        for i, (minutes, essential, is_break) in enumerate(rows, 1)
    ]
)


@given(blocks_strategy, st.data())
def test_advice_properties(blocks: list[BlockInfo], data: st.DataObject) -> None:
    current = data.draw(st.integers(1, len(blocks)))
    minutes_in = data.draw(st.integers(0, 120))
    behind = data.draw(st.integers(1, 300))
    agenda, now = running(blocks, current, minutes_in)
    advice, recovers = advise(agenda, now, behind)
    by_id = {b.id: b for b in agenda.blocks}
    state = statuses(agenda)
    for item in advice:
        target = by_id[item.block_id]
        assert not target.essential
        assert state[target.id] in ("upcoming", "current")
        if item.action == "skip":
            assert not target.is_break and state[target.id] == "upcoming" and item.to_minutes == 0
        else:
            assert 0 < item.minutes_saved <= target.duration_minutes // 2
    total = sum(a.minutes_saved for a in advice)
    assert recovers == (total >= behind)
    if not recovers:  # nothing more could have been won: every skippable block is skipped
        skippable = [
            b for b in agenda.blocks if not b.essential and not b.is_break and state[b.id] == "upcoming"
        ]
        assert {a.block_id for a in advice if a.action == "skip"} == {b.id for b in skippable}
    # The advice is in agenda order.
    assert [a.block_id for a in advice] == sorted(a.block_id for a in advice)
