"""The agenda of a meeting (the draaiboek's blocks) and its live timing: pure, clock injected."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from server.text import N_, Text

BlockStatus = Literal["upcoming", "current", "done", "skipped"]
AdviceAction = Literal["shorten", "skip"]

START_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
ADVISE_AFTER_SECONDS = 60  # less than a minute behind is on time
MAX_BLOCK_MINUTES = 24 * 60


class Clock(Protocol):
    """Where the time comes from: the system clock in the app, a clock tests advance by hand."""

    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class BlockInfo:
    """One row of the draaiboek: an onderdeel with its duration, goal, werkvorm, who and materials."""

    id: int
    position: int
    title: str
    duration_minutes: int
    goal: str = ""
    description: str = ""
    who: str = ""
    materials: str = ""
    essential: bool = True
    is_break: bool = False
    self_paced: bool = False  # its activities run as one questionnaire, each phone at its own pace
    start_time: str | None = None  # "HH:MM", the run sheet's Tijd column; shown, not enforced
    activity_ids: tuple[int, ...] = ()
    started_at: datetime | None = None  # first entered
    entered_at: datetime | None = None  # the current stay, while it is the current block
    spent_seconds: int = 0  # earlier stays (the facilitator went back to it)

    def elapsed(self, now: datetime) -> float:
        running = (now - self.entered_at).total_seconds() if self.entered_at is not None else 0.0
        return self.spent_seconds + max(0.0, running)


@dataclass(frozen=True, slots=True)
class Agenda:
    blocks: tuple[BlockInfo, ...] = ()
    current_block_id: int | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None

    @property
    def ordered(self) -> list[BlockInfo]:
        return sorted(self.blocks, key=lambda b: (b.position, b.id))

    @property
    def current(self) -> BlockInfo | None:
        return next((b for b in self.blocks if b.id == self.current_block_id), None)

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.ended_at is None and self.current is not None

    def block(self, block_id: int) -> BlockInfo | None:
        return next((b for b in self.blocks if b.id == block_id), None)

    def following(self) -> BlockInfo | None:
        """The block after the current one; the first before the agenda starts; none at the end."""
        ordered = self.ordered
        if self.ended_at is not None or not ordered:
            return None
        current = self.current
        if current is None:
            return ordered[0] if self.started_at is None else None
        index = ordered.index(current)
        return ordered[index + 1] if index + 1 < len(ordered) else None


@dataclass(frozen=True, slots=True)
class Advice:
    block_id: int
    title: str
    action: AdviceAction
    minutes_saved: int
    to_minutes: int  # the block's length after the advice (0 when skipped)


@dataclass(frozen=True, slots=True)
class Timing:
    planned_minutes: int
    planned_end: datetime | None
    projected_end: datetime | None
    delta_seconds: int | None  # projected minus planned end: positive is behind, negative ahead
    statuses: dict[int, BlockStatus]
    planned_offsets: dict[int, int]  # minutes from the planned start
    elapsed: dict[int, int]  # seconds spent in each block so far
    advice: tuple[Advice, ...] = ()
    advice_recovers: bool = True


def valid_start_time(value: str) -> bool:
    return bool(START_TIME.match(value))


def statuses(agenda: Agenda) -> dict[int, BlockStatus]:
    ordered = agenda.ordered
    current = agenda.current
    index = ordered.index(current) if current is not None else (len(ordered) if agenda.ended_at else -1)
    out: dict[int, BlockStatus] = {}
    for i, block in enumerate(ordered):
        if current is not None and block.id == current.id:
            out[block.id] = "current"
        elif block.started_at is not None:
            out[block.id] = "done"
        elif i < index:
            out[block.id] = "skipped"
        else:
            out[block.id] = "upcoming"
    return out


def timing(agenda: Agenda, now: datetime) -> Timing:
    """Plan versus actual: the plan starts when the first block is entered and lasts the sum of the
    planned durations; the projection is now, plus what the current block has left, plus every
    block still to come. Skipped blocks save their time; an overrunning block costs it."""
    ordered = agenda.ordered
    planned_minutes = sum(b.duration_minutes for b in ordered)
    offsets: dict[int, int] = {}
    offset = 0
    for block in ordered:
        offsets[block.id] = offset
        offset += block.duration_minutes
    state = statuses(agenda)
    elapsed = {b.id: int(b.elapsed(now)) for b in ordered}
    if agenda.started_at is None:
        return Timing(planned_minutes, None, None, None, state, offsets, elapsed)
    planned_end = agenda.started_at + timedelta(minutes=planned_minutes)
    if agenda.ended_at is not None:
        projected = agenda.ended_at
    else:
        current = agenda.current
        left = 0.0
        if current is not None:
            left = max(0.0, current.duration_minutes * 60 - current.elapsed(now))
        upcoming = sum(b.duration_minutes for b in ordered if state[b.id] == "upcoming")
        projected = now + timedelta(seconds=left, minutes=upcoming)
    delta = int((projected - planned_end).total_seconds())
    advice: tuple[Advice, ...] = ()
    recovers = True
    if agenda.ended_at is None and delta >= ADVISE_AFTER_SECONDS:
        advice, recovers = advise(agenda, now, math.ceil(delta / 60))
    return Timing(planned_minutes, planned_end, projected, delta, state, offsets, elapsed, advice, recovers)


def advise(agenda: Agenda, now: datetime, behind_minutes: int) -> tuple[tuple[Advice, ...], bool]:
    """Which optional blocks to shorten or skip to win back ``behind_minutes``.

    Essential blocks are never touched. A block is shortened to no less than half its planned time
    (a started block only by what it has left). Shortening comes first; only when shortening every
    optional block is not enough are optional blocks skipped (upcoming ones, never a break), longest
    first and only as many as needed, and the rest is shortened for whatever is still missing, longest
    block first. Returns the advice in agenda order, and whether it wins back all the time.
    """
    state = statuses(agenda)
    current = agenda.current
    room: dict[int, int] = {}  # minutes each candidate may be shortened by
    candidates: list[BlockInfo] = []
    for block in agenda.ordered:
        if block.essential:
            continue
        if state[block.id] == "upcoming":
            room[block.id] = block.duration_minutes // 2
        elif current is not None and block.id == current.id:
            left = int(max(0.0, block.duration_minutes * 60 - block.elapsed(now)) // 60)
            room[block.id] = min(left, block.duration_minutes // 2)
        else:
            continue
        candidates.append(block)
    candidates.sort(key=lambda b: (-b.duration_minutes, b.position, b.id))
    saved: dict[int, int] = {}
    action: dict[int, AdviceAction] = {}
    need = behind_minutes
    for block in candidates:
        if block.is_break or state[block.id] != "upcoming":
            continue
        if sum(room[b.id] for b in candidates if b.id not in saved) >= need:
            break  # shortening what is left is enough: skip no more
        saved[block.id], action[block.id] = block.duration_minutes, "skip"
        need -= block.duration_minutes
    for block in candidates:
        if need <= 0:
            break
        take = min(room[block.id], need)
        if block.id not in saved and take > 0:
            saved[block.id], action[block.id] = take, "shorten"
            need -= take
    by_id = {b.id: b for b in candidates}
    advice = tuple(
        Advice(
            block_id=block_id,
            title=by_id[block_id].title,
            action=action[block_id],
            minutes_saved=saved[block_id],
            to_minutes=by_id[block_id].duration_minutes - saved[block_id],
        )
        for block_id in sorted(saved, key=lambda i: (by_id[i].position, i))
    )
    return advice, need <= 0


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def phone_view(agenda: Agenda) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """ "Nu: …" and "Straks: …" on the phones: only titles, no timing (that changes every second)."""

    def short(block: BlockInfo | None) -> dict[str, Any] | None:
        if block is None:
            return None
        return {"id": block.id, "title": block.title, "is_break": block.is_break}

    if not agenda.blocks:
        return None, None
    return short(agenda.current if agenda.ended_at is None else None), short(agenda.following())


def agenda_view(
    agenda: Agenda,
    now: datetime,
    *,
    host: bool,
    say: Callable[[Text], str] = str,
    schedule: bool = True,
) -> dict[str, Any] | None:
    """The agenda with its live timing, for the big screen (host=False) and the remote (host=True).

    The remote also gets the facilitator's notes: the werkvorm, the materials and the timestamps.
    ``say`` puts a message in the meeting's language (``i18n.say``; the domain reads no catalogue).
    Without ``schedule`` (the big screen, unless the host switched it on) it leaves out how far
    ahead or behind the plan the meeting is and the advice to catch up: the room need not see it."""
    if not agenda.blocks:
        return None
    times = timing(agenda, now)
    blocks: list[dict[str, Any]] = []
    for block in agenda.ordered:
        item: dict[str, Any] = {
            "id": block.id,
            "position": block.position,
            "title": block.title,
            "goal": block.goal,
            "who": block.who,
            "duration_minutes": block.duration_minutes,
            "start_time": block.start_time,
            "essential": block.essential,
            "is_break": block.is_break,
            "self_paced": block.self_paced,
            "activity_ids": list(block.activity_ids),
            "status": times.statuses[block.id],
            "planned_offset_minutes": times.planned_offsets[block.id],
            "elapsed_seconds": times.elapsed[block.id],
        }
        if host:
            item["description"] = block.description
            item["materials"] = block.materials
            item["started_at"] = _iso(block.started_at)
        blocks.append(item)
    current = agenda.current if agenda.ended_at is None else None
    current_view = None
    if current is not None:
        planned = current.duration_minutes * 60
        spent = times.elapsed[current.id]
        current_view = {
            "id": current.id,
            "title": current.title,
            "planned_seconds": planned,
            "elapsed_seconds": spent,
            "remaining_seconds": planned - spent,  # negative: the block runs over
            "overtime": spent > planned,
        }
    following = agenda.following()
    delta = times.delta_seconds if schedule else None
    return {
        "now": _iso(now),
        "started_at": _iso(agenda.started_at),
        "ended_at": _iso(agenda.ended_at),
        "running": agenda.running,
        "planned_minutes": times.planned_minutes,
        "planned_end": _iso(times.planned_end),
        "projected_end": _iso(times.projected_end) if schedule else None,
        # Positive: behind the plan ("5 min achter"), negative: ahead; whole minutes toward zero.
        "delta_seconds": delta,
        "delta_minutes": None if delta is None else int(delta / 60),
        "delta_label": None if delta is None else say(behind_label(delta)),
        "current": current_view,
        "next": None if following is None else {"id": following.id, "title": following.title},
        "blocks": blocks,
        "advice": [
            {
                "block_id": a.block_id,
                "title": a.title,
                "action": a.action,
                "minutes_saved": a.minutes_saved,
                "to_minutes": a.to_minutes,
            }
            for a in (times.advice if schedule else ())
        ],
        "advice_recovers": times.advice_recovers,
    }


def behind_label(delta_seconds: int) -> Text:
    """'5 min behind' ('5 min achter') for plain-text outputs (the CLI, the API's agenda)."""
    minutes = int(delta_seconds / 60)
    if minutes == 0:
        return N_("on time")
    if minutes > 0:
        return N_("{minutes} min behind", minutes=minutes)
    return N_("{minutes} min ahead", minutes=-minutes)
