"""Use cases for the draaiboek: agenda blocks, moving through them, and their timing in the database.

Time always comes in as ``now`` from the app's injectable clock, never from the system clock here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from server.db.tables import Activity, AgendaBlock, Meeting, maybe_aware
from server.domain.agenda import MAX_BLOCK_MINUTES, Agenda, BlockInfo, valid_start_time
from server.domain.errors import Code, DomainError
from server.domain.words import host_text
from server.services.events import StructureChanged
from server.text import N_

BLOCK_FIELDS = (
    "title",
    "goal",
    "description",
    "who",
    "materials",
    "essential",
    "is_break",
    "self_paced",
    "start_time",
)
TEXT_FIELDS = ("title", "goal", "description", "who", "materials")


def load_agenda(session: Session, meeting: Meeting, activities: list[Activity]) -> Agenda:
    assert meeting.id is not None
    rows = session.scalars(
        select(AgendaBlock)
        .where(col(AgendaBlock.meeting_id) == meeting.id)
        .order_by(col(AgendaBlock.position), col(AgendaBlock.id))
    ).all()
    by_block: dict[int, list[int]] = {}
    for activity in activities:
        if activity.block_id is not None and activity.id is not None:
            by_block.setdefault(activity.block_id, []).append(activity.id)
    return Agenda(
        blocks=tuple(_block_info(row, tuple(by_block.get(row.id or 0, ()))) for row in rows),
        current_block_id=meeting.current_block_id,
        started_at=maybe_aware(meeting.agenda_started_at),
        ended_at=maybe_aware(meeting.agenda_ended_at),
    )


def add_block(
    session: Session,
    meeting_id: int,
    *,
    title: str,
    duration_minutes: int,
    position: int | None = None,
    **fields: Any,
) -> tuple[BlockInfo, StructureChanged]:
    _meeting(session, meeting_id)
    _check(duration_minutes=duration_minutes, start_time=fields.get("start_time"))
    title, fields = host_text(title, field="title"), _texts(fields)
    count = int(
        session.scalar(
            select(func.count()).select_from(AgendaBlock).where(col(AgendaBlock.meeting_id) == meeting_id)
        )
        or 0
    )
    target = count if position is None else max(0, min(position, count))
    session.execute(
        update(AgendaBlock)
        .where(col(AgendaBlock.meeting_id) == meeting_id, col(AgendaBlock.position) >= target)
        .values(position=col(AgendaBlock.position) + 1)
    )
    block = AgendaBlock(
        meeting_id=meeting_id,
        position=target,
        title=title,
        duration_minutes=duration_minutes,
        **{k: v for k, v in fields.items() if k in BLOCK_FIELDS and v is not None},
    )
    session.add(block)
    session.flush()
    return _block_info(block, ()), StructureChanged(meeting_id)


def update_block(
    session: Session, meeting_id: int, block_id: int, **fields: Any
) -> tuple[BlockInfo, StructureChanged]:
    block = _block(session, meeting_id, block_id)
    _check(duration_minutes=fields.get("duration_minutes"), start_time=fields.get("start_time"))
    fields = _texts(fields)
    for name in (*BLOCK_FIELDS, "duration_minutes"):
        if name in fields and (fields[name] is not None or name == "start_time"):
            setattr(block, name, fields[name])
    session.add(block)
    session.flush()
    return _block_info(block, _activity_ids(session, block_id)), StructureChanged(meeting_id)


def delete_block(session: Session, meeting_id: int, block_id: int) -> StructureChanged:
    """Delete a block; its activities stay, outside any block."""
    block = _block(session, meeting_id, block_id)
    session.execute(update(Activity).where(col(Activity.block_id) == block_id).values(block_id=None))
    meeting = _meeting(session, meeting_id)
    if meeting.current_block_id == block_id:
        meeting.current_block_id = None
        session.add(meeting)
    session.delete(block)
    session.flush()
    ids = session.scalars(
        select(col(AgendaBlock.id))
        .where(col(AgendaBlock.meeting_id) == meeting_id)
        .order_by(col(AgendaBlock.position), col(AgendaBlock.id))
    ).all()
    for position, other in enumerate(ids):
        session.execute(update(AgendaBlock).where(col(AgendaBlock.id) == other).values(position=position))
    return StructureChanged(meeting_id)


def reorder_blocks(session: Session, meeting_id: int, order: list[int]) -> StructureChanged:
    ids = [
        int(i)
        for i in session.scalars(select(col(AgendaBlock.id)).where(col(AgendaBlock.meeting_id) == meeting_id))
        if i is not None
    ]
    if sorted(order) != sorted(ids) or len(set(order)) != len(order):
        raise DomainError(
            Code.INVALID_ORDER, "The new order must list every block of the meeting exactly once."
        )
    for position, block_id in enumerate(order):
        session.execute(update(AgendaBlock).where(col(AgendaBlock.id) == block_id).values(position=position))
    # The activities follow their blocks, so that "next activity" walks the agenda in its new order;
    # activities outside any block keep their place relative to the block before them.
    rank = {block_id: index for index, block_id in enumerate(order)}
    activities = session.scalars(
        select(Activity)
        .where(col(Activity.meeting_id) == meeting_id)
        .order_by(col(Activity.position), col(Activity.id))
    ).all()
    keyed: list[tuple[int, int, Activity]] = []
    last = -1
    for index, activity in enumerate(activities):
        if activity.block_id is not None and activity.block_id in rank:
            last = rank[activity.block_id]
        keyed.append((last, index, activity))
    for position, (_, _, activity) in enumerate(sorted(keyed, key=lambda item: (item[0], item[1]))):
        activity.position = position
        session.add(activity)
    return StructureChanged(meeting_id)


def assign_activity(session: Session, meeting_id: int, activity_id: int, block_id: int | None) -> None:
    """Put an activity in a block (None: outside every block)."""
    if block_id is not None:
        _block(session, meeting_id, block_id)
    session.execute(
        update(Activity)
        .where(col(Activity.id) == activity_id, col(Activity.meeting_id) == meeting_id)
        .values(block_id=block_id)
    )


def enter_block(session: Session, meeting_id: int, block_id: int, now: datetime) -> int | None:
    """Make a block the current one and start its clock; returns its first activity, if any.

    The stay in the block that was current is added to its time; the agenda's clock starts
    when the first block is entered, and runs again if the facilitator goes back after the end.
    The screen and the phones follow the room into the block (see ``_follow_into``).
    """
    meeting = _meeting(session, meeting_id)
    block = _block(session, meeting_id, block_id)
    if meeting.current_block_id == block_id and meeting.agenda_ended_at is None:
        return _first_activity(session, block_id)
    _leave_current(session, meeting, now)
    if block.started_at is None:
        block.started_at = now
    block.entered_at = now
    session.add(block)
    if meeting.agenda_started_at is None:
        meeting.agenda_started_at = now
    meeting.agenda_ended_at = None
    meeting.current_block_id = block_id
    _follow_into(session, meeting, block_id)
    session.add(meeting)
    session.flush()
    return _first_activity(session, block_id)


def step(session: Session, meeting_id: int, now: datetime, *, forward: bool) -> int | None:
    """Enter the next (or previous) block; going forward from the last block ends the agenda."""
    meeting = _meeting(session, meeting_id)
    ids = [
        int(i)
        for i in session.scalars(
            select(col(AgendaBlock.id))
            .where(col(AgendaBlock.meeting_id) == meeting_id)
            .order_by(col(AgendaBlock.position), col(AgendaBlock.id))
        )
        if i is not None
    ]
    if not ids:
        raise DomainError(Code.NO_AGENDA, "This meeting has no agenda blocks.")
    current = meeting.current_block_id
    if current not in ids:
        if not forward or meeting.agenda_ended_at is not None:
            raise DomainError(Code.NO_BLOCK, N_("There is no previous block."))
        return enter_block(session, meeting_id, ids[0], now)
    index = ids.index(current) + (1 if forward else -1)
    if index < 0:
        raise DomainError(Code.NO_BLOCK, N_("This is the first block; there is no previous one."))
    if index >= len(ids):
        end_agenda(session, meeting_id, now)
        return None
    return enter_block(session, meeting_id, ids[index], now)


def end_agenda(session: Session, meeting_id: int, now: datetime) -> None:
    meeting = _meeting(session, meeting_id)
    if meeting.agenda_started_at is None:
        raise DomainError(Code.AGENDA_NOT_STARTED, "The agenda has not started yet; enter a block first.")
    _leave_current(session, meeting, now)
    meeting.current_block_id = None
    meeting.agenda_ended_at = now
    session.add(meeting)
    session.flush()


def restart_agenda(session: Session, meeting_id: int) -> None:
    """Forget every actual time: the agenda is back to its plan (a rehearsal, or a new day)."""
    meeting = _meeting(session, meeting_id)
    meeting.current_block_id = None
    meeting.agenda_started_at = meeting.agenda_ended_at = None
    session.add(meeting)
    session.execute(
        update(AgendaBlock)
        .where(col(AgendaBlock.meeting_id) == meeting_id)
        .values(started_at=None, entered_at=None, spent_seconds=0)
    )


def follow_activity(session: Session, meeting_id: int, activity_id: int, now: datetime) -> None:
    """Opening an activity of another block moves the agenda there, so the clock follows the room."""
    meeting = _meeting(session, meeting_id)
    block_id = session.scalar(select(col(Activity.block_id)).where(col(Activity.id) == activity_id))
    if block_id is None or block_id == meeting.current_block_id:
        return
    enter_block(session, meeting_id, block_id, now)


# -- helpers ----------------------------------------------------------------------------------


def _follow_into(session: Session, meeting: Meeting, block_id: int) -> None:
    """What the screen and the phones show follows the room into a block: an activity left open
    elsewhere closes (during a break nobody should still change group), the block's first activity
    is put on screen unless one of its own already is, and a block without activities (a break, a
    talk) shows the waiting screen."""
    own = _activity_ids(session, block_id)
    session.execute(
        update(Activity)
        .where(
            col(Activity.meeting_id) == meeting.id,
            col(Activity.status) == "open",
            col(Activity.id).not_in(own),
        )
        .values(status="closed")
    )
    if meeting.current_activity_id not in own:
        meeting.current_activity_id = own[0] if own else None


def _leave_current(session: Session, meeting: Meeting, now: datetime) -> None:
    if meeting.current_block_id is None:
        return
    current = session.get(AgendaBlock, meeting.current_block_id)
    entered = maybe_aware(current.entered_at) if current is not None else None
    if current is not None and entered is not None:
        current.spent_seconds += max(0, int((now - entered).total_seconds()))
        current.entered_at = None
        session.add(current)


def _first_activity(session: Session, block_id: int) -> int | None:
    return session.scalar(
        select(col(Activity.id))
        .where(col(Activity.block_id) == block_id)
        .order_by(col(Activity.position), col(Activity.id))
        .limit(1)
    )


def _activity_ids(session: Session, block_id: int) -> tuple[int, ...]:
    return tuple(
        int(i)
        for i in session.scalars(
            select(col(Activity.id))
            .where(col(Activity.block_id) == block_id)
            .order_by(col(Activity.position), col(Activity.id))
        )
        if i is not None
    )


def _texts(fields: dict[str, Any]) -> dict[str, Any]:
    """A block's free texts through the host text rule (server.domain.words.host_text)."""
    return {
        name: host_text(value, field=name) if name in TEXT_FIELDS and isinstance(value, str) else value
        for name, value in fields.items()
    }


def _check(*, duration_minutes: int | None, start_time: str | None) -> None:
    if duration_minutes is not None and not 1 <= duration_minutes <= MAX_BLOCK_MINUTES:
        raise DomainError(
            Code.INVALID_DURATION,
            f"A block lasts from 1 to {MAX_BLOCK_MINUTES} minutes; {duration_minutes} is outside that.",
        )
    if start_time is not None and not valid_start_time(start_time):
        raise DomainError(Code.INVALID_START_TIME, f"Start time {start_time!r} is not a time like 09:30.")


def _meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise DomainError(Code.UNKNOWN_MEETING, "This meeting does not exist (any more).")
    return meeting


def _block(session: Session, meeting_id: int, block_id: int) -> AgendaBlock:
    block = session.get(AgendaBlock, block_id)
    if block is None or block.meeting_id != meeting_id:
        raise DomainError(Code.UNKNOWN_BLOCK, f"There is no agenda block {block_id} in this meeting.")
    return block


def _block_info(row: AgendaBlock, activity_ids: tuple[int, ...]) -> BlockInfo:
    assert row.id is not None
    return BlockInfo(
        id=row.id,
        position=row.position,
        title=row.title,
        duration_minutes=row.duration_minutes,
        goal=row.goal,
        description=row.description,
        who=row.who,
        materials=row.materials,
        essential=row.essential,
        is_break=row.is_break,
        self_paced=row.self_paced,
        start_time=row.start_time,
        activity_ids=activity_ids,
        started_at=maybe_aware(row.started_at),
        entered_at=maybe_aware(row.entered_at),
        spent_seconds=row.spent_seconds,
    )
