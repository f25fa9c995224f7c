"""The door ("deur dicht"): the host stops new participants once the room is in, and sees how
fast people are still joining."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from server.db.tables import Meeting, Participant

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Door:
    closed: bool
    joins_last_minute: int
    participants: int


def door(session: Session, meeting_id: int, now: datetime) -> Door:
    closed = bool(session.scalar(select(col(Meeting.joins_closed)).where(col(Meeting.id) == meeting_id)))
    recent, total = session.execute(
        select(
            func.count().filter(col(Participant.created_at) >= now - WINDOW),
            func.count(),
        ).where(col(Participant.meeting_id) == meeting_id)
    ).one()
    return Door(closed, int(recent or 0), int(total or 0))


def set_closed(session: Session, meeting_id: int, closed: bool, now: datetime) -> Door:
    """Close or open the door. Joins read it in their own transaction (services/participants.py):
    after this commits, no new participant is made; joined ones rejoin as before."""
    session.execute(update(Meeting).where(col(Meeting.id) == meeting_id).values(joins_closed=closed))
    return door(session, meeting_id, now)
