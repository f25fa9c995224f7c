"""The quiz kind: settings, locked answers, the server's deadline, scores, streaks and standings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server import kinds
from server.domain.errors import DomainError
from server.i18n import sayer
from server.kinds import Change, Moderation, Sheet, get, settings_for
from server.kinds.quiz import QuizSettings, QuizTally
from server.kinds.quiz_board import alias, speed_points, standings, streak_bonus

QUIZ = get("quiz")
OPENED = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def config(**raw: Any) -> QuizSettings:
    parsed = settings_for("quiz", {"options": ["A", "B", "C", "D"], "correct": [1], "seconds": 20, **raw})
    assert isinstance(parsed, QuizSettings)
    return parsed


def tally(answers: dict[int, tuple[list[int], int]], names: dict[int, str] | None = None) -> QuizTally:
    result = QuizTally()
    for number, (participant, (options, ms)) in enumerate(answers.items(), 1):
        nickname = (names or {}).get(participant)
        result.apply(Change(participant, "0", number, None, {"options": options, "ms": ms}, nickname))
    return result


def sheet(t: QuizTally, status: str = "closed", ident: int = 1, **raw: Any) -> Sheet:
    return Sheet(ident, "quiz", config(**raw), t, status, OPENED)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"options": ["A"]}, "options"),
        ({"options": [f"O{i}" for i in range(7)]}, "options"),
        ({"correct": [4]}, "correct: there is no option 4; use 0 to 3"),
        ({"correct": [1, 1]}, "only once"),
        ({"correct": []}, "correct"),
        ({"seconds": 4}, "seconds"),
        ({"seconds": 121}, "seconds"),
        ({"timer": 20}, "timer"),
    ],
)
def test_quiz_settings_refuse_what_does_not_hold(raw: dict[str, Any], problem: str) -> None:
    with pytest.raises(DomainError) as refused:
        settings_for("quiz", {"options": ["A", "B", "C", "D"], **raw})
    assert refused.value.code == "invalid_settings" and problem in refused.value.message


def test_quiz_defaults_in_both_languages() -> None:
    dutch = QUIZ.defaults(sayer("nl"))
    english = QUIZ.defaults(sayer("en"))
    assert isinstance(dutch, QuizSettings) and isinstance(english, QuizSettings)
    assert dutch.options == ["Waar", "Niet waar"] and english.options == ["True", "Not true"]
    assert QUIZ.phone_payload(config(correct=[0, 2], seconds=30)) == {"choices": 2, "seconds": 30}


def test_quiz_answer_is_checked_and_stamped_by_the_servers_clock() -> None:
    quiz = config(correct=[0, 2])
    assert QUIZ.normalise_answer(quiz, "0", {"options": [2, 0]}) == {"options": [0, 2]}
    for payload, code in [
        ({"options": []}, "no_option"),
        ({"options": [4]}, "unknown_option"),
        ({"options": [0, 1, 2]}, "too_many_options"),
        ({"options": [True]}, "wrong_kind"),
        ({"option": 1}, "wrong_kind"),
        ({"options": [0], "ms": 20_001}, "value_out_of_range"),
    ]:
        with pytest.raises(DomainError) as refused:
            QUIZ.normalise_answer(quiz, "0", payload)
        assert refused.value.code == code, payload
    # The phone's own "ms" never counts: the server's measure replaces it.
    sent = QUIZ.normalise_answer(quiz, "0", {"options": [0], "ms": 0})
    assert QUIZ.stamp(quiz, sent, since_open=7.25) == {"options": [0], "ms": 7250}
    assert QUIZ.stamp(quiz, sent, since_open=20.0)["ms"] == 20_000  # at the deadline: still in time
    for late in (20.001, None):
        with pytest.raises(DomainError) as refused:
            QUIZ.stamp(quiz, sent, since_open=late)
        assert refused.value.code == "too_late"


def test_quiz_answer_is_locked_once_stored() -> None:
    quiz = config()
    with pytest.raises(DomainError) as refused:
        QUIZ.validate_answer(
            quiz, "0", {"options": [2]}, own={"0": {"options": [1]}}, participant=1, tally=QuizTally()
        )
    assert refused.value.code == "answer_locked"


def test_speed_points_fall_linearly_from_1000_to_500() -> None:
    assert [speed_points(ms, 20) for ms in (0, 5_000, 10_000, 20_000, 25_000)] == [1000, 875, 750, 500, 500]
    assert [streak_bonus(n) for n in (0, 1, 2, 5, 9)] == [0, 100, 200, 500, 500]


def test_results_hide_the_answer_until_the_reveal_but_not_from_the_host() -> None:
    answers = tally({1: ([1], 2_000), 2: ([0], 1_000), 3: ([1], 10_000)}, {1: "Ans"})
    for status, audience, hidden in [
        ("open", "participant", True),
        ("open", "presenter", True),
        ("open", "host", False),
        ("closed", "participant", False),
    ]:
        result = kinds.results(
            [sheet(answers, status)],
            0,
            Moderation(),
            audience,
            now=OPENED + timedelta(seconds=5),
            say=sayer("nl"),
        )
        QUIZ.results[audience].model_validate(result)
        assert result["phase"] == ("open" if status == "open" else "reveal")
        options: Any = result["options"]
        if hidden:
            assert result["correct"] == [] and result["top"] == [] and result["right"] is None
            assert all(o["count"] is None and o["correct"] is None for o in options)
            assert result["left_ms"] == 15_000
        else:
            assert result["correct"] == [1] and result["right"] == 2
            assert [o["count"] for o in options] == [1, 2, 0, 0]
            top: Any = result["top"]
            assert [(e["rank"], e["name"], e["points"]) for e in top] == [
                (1, "Ans", 950),
                (2, alias(3, sayer("nl")), 750),
            ]
            assert all(e["participant"] is None for e in top)


def test_standings_run_across_the_quiz_questions_with_a_streak_bonus() -> None:
    first = tally({1: ([1], 0), 2: ([1], 20_000), 3: ([0], 0)})
    second = tally({1: ([1], 0), 2: ([0], 0), 3: ([1], 10_000)})
    other = Sheet(9, "open", settings_for("open", None), kinds.new_tally("open"))
    sheets = [sheet(first, ident=1), other, sheet(second, ident=2)]
    board = standings(sheets, 2, revealed=True)
    # 1: 1000, then 1000 + 100 streak; 2: 500, then wrong; 3: wrong, then 750.
    assert {p: (pl.total, pl.streak, pl.points) for p, pl in board.players.items()} == {
        1: (2100, 2, 1100),
        2: (500, 0, 0),
        3: (750, 1, 750),
    }
    assert board.final and board.question == 2 and board.questions == 2
    view = board.view(sayer("en"))
    assert [(e["rank"], e["total"]) for e in view["top"]] == [(1, 2100), (2, 750), (3, 500)]
    # Before the reveal, the standings stand at the question before.
    before = standings(sheets, 2, revealed=False)
    assert before.own(1).total == 1000 and before.own(3).rank == 3
    mine = QUIZ.personal(sheets, 2, 3, now=None, say=sayer("nl"))
    assert mine is not None and mine["rank"] == 2 and mine["total"] == 750 and mine["points"] == 750
    nobody = QUIZ.personal(sheets, 2, 99, now=None, say=sayer("nl"))
    assert nobody is not None and nobody["rank"] is None and nobody["answered"] is False


def test_standings_are_cached_until_a_tally_changes() -> None:
    first = tally({1: ([1], 0)})
    sheets = [sheet(first)]
    assert standings(sheets, 0, revealed=True) is standings(sheets, 0, revealed=True)
    first.apply(Change(2, "0", 7, None, {"options": [1], "ms": 0}))
    assert standings(sheets, 0, revealed=True).own(2).rank == 1


def test_alias_is_the_same_per_participant_and_said_in_the_meetings_language() -> None:
    assert alias(17, sayer("nl")) == alias(17, sayer("nl"))
    dutch, english = alias(1, sayer("nl")), alias(1, sayer("en"))
    assert dutch != english and len(dutch.split()) == 2 and len(english.split()) == 2
    assert len({alias(p, sayer("nl")) for p in range(1000, 1320)}) == 320  # who joined in a row


@settings(max_examples=50, deadline=None)
@given(
    answers=st.dictionaries(
        st.integers(1, 40),
        st.tuples(st.lists(st.integers(0, 3), min_size=1, max_size=1), st.integers(0, 20_000)),
    )
)
def test_leaderboard_equals_a_recount_from_the_answers(answers: dict[int, tuple[list[int], int]]) -> None:
    board = standings([sheet(tally(answers))], 0, revealed=True)
    totals = {p: speed_points(ms, 20) if options == [1] else 0 for p, (options, ms) in answers.items()}
    assert {p: pl.total for p, pl in board.players.items()} == totals
    for participant, total in totals.items():
        assert board.own(participant).rank == 1 + sum(1 for other in totals.values() if other > total)
    assert len(board.view(str)["top"]) == min(10, len(answers))
