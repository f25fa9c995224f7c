"""Quiz: a timed question with 2–6 options, one or more right; the right and fast score points.

The deadline is the server's: an answer is stamped with the seconds the question has been open
when the server received it (``stamp``), and refused after the timer (too_late). Its running total
across the meeting's quiz questions, the streak bonus and the leaderboard live in quiz_board.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from heapq import nsmallest
from typing import Any, ClassVar, Self

from pydantic import Field, model_validator

from server.domain.errors import Code, DomainError
from server.kinds.base import (
    ActivityKind,
    Audience,
    Cell,
    Change,
    Demo,
    Entry,
    KindSettings,
    ReportContext,
    Results,
    Say,
    Tally,
    bump,
    expect,
    int_field,
    int_list_field,
    items,
    pick_text,
    plain,
)
from server.kinds.bounds import QUIZ_TOP
from server.kinds.choice import YES_NO, bars_section
from server.kinds.fields import Option, index_slot, whole_number
from server.kinds.moderation import Moderation
from server.kinds.quiz_board import QuizResults, alias, rank_in, speed_points, standings
from server.kinds.series import InMeeting, Sheet
from server.text import N_

OPTIONS_MIN, OPTIONS_MAX = 2, 6
SECONDS_MIN, SECONDS_MAX = 5, 120
DEFAULT_OPTIONS = (N_("True"), N_("Not true"))
# The demo meeting's short quiz after the kennissnack, about the run sheet's lerend netwerk.
DEMO = (
    (
        N_("The model of enrichment tackles differences from four V's. Which?"),
        (
            N_("Trust, safety, resilience and connection"),
            N_("Speed, volume, variety and value"),
            N_("Vision, will, knowledge and behaviour"),
        ),
        [0],
        20,
    ),
    (
        N_("What is action learning? Two answers are right."),
        (
            N_("Searching together for solutions to urgent problems"),
            N_("Well-informed experimenting"),
            N_("A goal in itself"),
            N_("A one-off training"),
        ),
        [0, 1],
        30,
    ),
)
LEADERBOARD = N_("Top 10 so far (points)")
PODIUM = N_("Final standings: the podium (points)")
TOO_LATE = N_("Time is up: this question no longer takes answers.")


class QuizSettings(KindSettings):
    options: list[Option] = Field(
        default_factory=lambda: [str(option) for option in DEFAULT_OPTIONS],
        min_length=OPTIONS_MIN,
        max_length=OPTIONS_MAX,
    )
    correct: list[int] = Field(
        default_factory=lambda: [0],
        min_length=1,
        max_length=OPTIONS_MAX,
        description="the right options: distinct indices, each 0 up to the number of options minus 1",
    )
    seconds: int = Field(
        default=20, ge=SECONDS_MIN, le=SECONDS_MAX, description="the timer, from opening (server clock)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        last = len(self.options) - 1
        for index in self.correct:
            if not 0 <= index <= last:
                raise ValueError(
                    N_("correct: there is no option {index}; use 0 to {last}", index=index, last=last)
                )
        if len(set(self.correct)) != len(self.correct):
            raise ValueError(N_("correct: each option may be named only once"))
        return self


class QuizTally(Tally):
    kind: ClassVar[str] = "quiz"

    def __init__(self) -> None:
        super().__init__()
        # participant -> (options chosen, ms after opening, nickname): one locked answer each.
        self.answers: dict[int, tuple[tuple[int, ...], int, str | None]] = {}
        self._counts: dict[int, int] = {}
        self.version = 0  # grows with every change: quiz_board's standings are cached on it
        self.board_cache: object = None

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        options = int_list_field(payload, "options")
        self.answers[change.participant] = (options, int_field(payload, "ms"), change.nickname)
        for option in options:
            bump(self._counts, option, 1)
        self.version += 1

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        options = int_list_field(payload, "options")
        held = self.answers.get(change.participant)
        if held is not None and held[:2] == (options, int_field(payload, "ms")):
            del self.answers[change.participant]
        for option in options:
            bump(self._counts, option, -1)
        self.version += 1

    def _snapshot(
        self, settings: KindSettings, moderation: Moderation, audience: Audience
    ) -> dict[str, object]:
        quiz = expect(settings, QuizSettings)
        right = set(quiz.correct)
        respondents = self.respondents()
        options = [
            {
                "index": index,
                "text": text,
                "count": (count := self._counts.get(index, 0)),
                "percent": round(count / respondents * 100, 1) if respondents else 0.0,
                "correct": index in right,
            }
            for index, text in enumerate(quiz.options)
        ]
        scored = [
            (speed_points(ms, quiz.seconds), ms, participant, nickname)
            for participant, (chosen, ms, nickname) in self.answers.items()
            if set(chosen) == right
        ]
        best = nsmallest(QUIZ_TOP, scored, key=lambda s: (-s[0], s[1], s[2]))
        points = sorted((s[0] for s in scored), reverse=True)
        return {
            "seconds": quiz.seconds,
            "correct": sorted(right),
            "options": options,
            "right": len(scored),
            "top": [
                {
                    "rank": rank_in(points, score),
                    "name": nickname,
                    "points": score,
                    "seconds": round(ms / 1000, 1),
                    "participant": participant,
                }
                for score, ms, participant, nickname in best
            ],
        }

    def _state(self) -> object:
        return sorted(self.answers.items())


class Quiz(ActivityKind, InMeeting):
    name = "quiz"
    label = N_("Quiz")
    prompt = N_("Quiz: what do you know about {theme}?")
    settings = QuizSettings
    tally = QuizTally
    results: ClassVar[Mapping[Audience, type[Results]]] = {
        "presenter": QuizResults,
        "host": QuizResults,
        "participant": QuizResults,
    }
    export_columns = (N_("Answer"), N_("Right"), N_("Seconds"), N_("Points"))
    payload_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["options", "ms"],
        "properties": {
            "options": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1},
            "ms": {"type": "integer", "minimum": 0, "description": "Milliseconds after opening (server)"},
        },
    }
    results_on_phones_always = True  # the reveal, the top 10 and the own rank are the game
    locked = True

    def defaults(self, say: Say) -> KindSettings:
        return QuizSettings(options=[say(option) for option in DEFAULT_OPTIONS])

    def demo(self, say: Say) -> Demo | None:
        return self.demos(say)[0]

    def demos(self, say: Say) -> tuple[Demo, ...]:
        return tuple(
            Demo(
                order=20 + number,
                prompt=say(question),
                settings={"options": [say(o) for o in options], "correct": correct, "seconds": seconds},
            )
            for number, (question, options, correct, seconds) in enumerate(DEMO)
        )

    def _normalise(
        self, settings: KindSettings, slot: str, payload: Mapping[str, object]
    ) -> dict[str, object]:
        quiz = expect(settings, QuizSettings)
        index_slot(slot, 1, "quiz")
        if "options" not in payload or not set(payload) <= {"options", "ms"}:
            got = ", ".join(repr(str(key)[:20]) for key in list(payload)[:4]) or "nothing"
            raise DomainError(Code.WRONG_KIND, f"A quiz answer has the field 'options'; got {got}.")
        picked = payload["options"]
        if not isinstance(picked, list | tuple):
            raise DomainError(Code.WRONG_KIND, "A quiz answer's options must be a list of option numbers.")
        if not picked:
            raise DomainError(Code.NO_OPTION, "Choose an answer.")
        count = len(quiz.options)
        indices = [whole_number(option, self.name) for option in picked]
        for index in indices:
            if not 0 <= index < count:
                raise DomainError(
                    Code.UNKNOWN_OPTION, f"There is no option {index}; use 0 to {count - 1}.", option=index
                )
        if len(set(indices)) != len(indices):
            raise DomainError(Code.WRONG_KIND, "Each option may be chosen only once.")
        most = len(quiz.correct)
        if len(indices) > most:
            raise DomainError(
                Code.TOO_MANY_OPTIONS,
                f"Choose at most {most} {'option' if most == 1 else 'options'}; you chose {len(indices)}.",
                maximum=most,
            )
        stored: dict[str, object] = {"options": sorted(indices)}
        if "ms" in payload:  # an archive's stored answer; a phone's is stamped by the server anyway
            ms = whole_number(payload["ms"], self.name)
            if not 0 <= ms <= quiz.seconds * 1000:
                raise DomainError(
                    Code.VALUE_OUT_OF_RANGE, f"ms must be 0 to {quiz.seconds * 1000}.", value=ms
                )
            stored["ms"] = ms
        return stored

    def stamp(
        self, settings: KindSettings, payload: dict[str, object], *, since_open: float | None
    ) -> dict[str, object]:
        seconds = expect(settings, QuizSettings).seconds
        if since_open is None or since_open > seconds:
            raise DomainError(Code.TOO_LATE, str(TOO_LATE), seconds=seconds)
        return {**payload, "ms": max(0, int(since_open * 1000))}

    def validate_withdraw(self, settings: KindSettings, slot: str) -> None:
        index_slot(slot, 1, "quiz")

    def phone_payload(self, settings: KindSettings) -> dict[str, int]:
        quiz = expect(settings, QuizSettings)
        return {"choices": len(quiz.correct), "seconds": quiz.seconds}

    def in_meeting(
        self,
        body: dict[str, object],
        sheets: Sequence[Sheet],
        index: int,
        audience: Audience,
        *,
        now: datetime | None,
        say: Say,
    ) -> dict[str, object]:
        sheet = sheets[index]
        quiz = expect(sheet.settings, QuizSettings)
        phase = {"idle": "waiting", "open": "open"}.get(sheet.status, "reveal")
        deadline = sheet.opened_at + timedelta(seconds=quiz.seconds) if sheet.opened_at else None
        left = (deadline - now).total_seconds() if deadline and now and phase == "open" else None
        revealed = phase == "reveal" or audience == "host"
        board = standings(sheets, index, revealed=revealed)
        out = dict(body)
        out["phase"] = phase
        out["deadline"] = deadline.isoformat() if deadline and phase == "open" else None
        out["left_ms"] = max(0, int(left * 1000)) if left is not None else None
        out["standings"] = board.view(say)
        if revealed:
            out["top"] = [
                {
                    **entry,
                    "name": entry["name"] or alias(entry["participant"], say),
                    "participant": None,
                }
                for entry in items(body.get("top"))
            ]
        else:  # nothing that tells the right answer before the reveal
            out["options"] = [
                {**option, "count": None, "percent": None, "correct": None}
                for option in items(body.get("options"))
            ]
            out.update(correct=[], right=None, top=[])
        return out

    def personal(
        self, sheets: Sequence[Sheet], index: int, participant: int, *, now: datetime | None, say: Say
    ) -> dict[str, object] | None:
        sheet = sheets[index]
        revealed = sheet.status == "closed"
        own = standings(sheets, index, revealed=revealed).own(participant)
        tally = sheet.tally
        answered = isinstance(tally, QuizTally) and participant in tally.answers
        return {
            "alias": alias(participant, say),
            "answered": answered,
            "total": own.total,
            "rank": own.rank,
            "players": own.players,
            "streak": own.streak,
            "correct": own.correct if revealed else None,
            "points": own.points if revealed else None,
        }

    def export_row(
        self,
        entry: Entry,
        settings: Mapping[str, Any],
        by_number: Callable[[int], Entry | None],
        say: Say,
    ) -> list[Cell]:
        picked = entry.payload.get("options")
        options = picked if isinstance(picked, list) else []
        right = {c for c in settings.get("correct", []) if isinstance(c, int)}
        correct = set(options) == right
        ms = entry.payload.get("ms")
        seconds = settings.get("seconds")
        timed = isinstance(ms, int) and isinstance(seconds, int)
        return [
            "; ".join(pick_text(settings.get("options"), o) for o in options),
            say(YES_NO[0] if correct else YES_NO[1]),
            round(ms / 1000, 1) if isinstance(ms, int) else None,
            speed_points(ms, seconds) if correct and timed else 0,  # type: ignore[arg-type]
        ]

    def report_section(
        self, base: dict[str, Any], results: Mapping[str, Any], ctx: ReportContext
    ) -> dict[str, Any] | None:
        options = [
            {**option, "text": ("✓ " if option.get("correct") else "") + plain(option.get("text"))}
            for option in items(results.get("options"))
        ]
        section = bars_section(base, options, results, ctx, percent=True)
        if section is None:
            return None
        standings = results.get("standings")
        table = items(standings.get("top")) if isinstance(standings, Mapping) else []
        top = table or items(results.get("top"))
        final = bool(isinstance(standings, Mapping) and standings.get("final"))
        right = results.get("right")
        section["final"] = final
        section["words"] = {
            "top": ctx.say(PODIUM if final else LEADERBOARD),
            "right": ctx.say(
                N_("{n} of {people} answered right", n=right, people=results.get("respondents"))
            ),
        }
        section["top"] = [
            {
                "rank": entry.get("rank"),
                "name": plain(entry.get("name")),
                "points": entry.get("total", entry.get("points")),
            }
            for entry in top
        ]
        return section
