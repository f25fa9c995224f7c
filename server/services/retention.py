"""Data retention (GDPR): when a meeting was last used, which meetings expired, and deleting them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from server.db.tables import (
    Activity,
    AgendaBlock,
    Answer,
    Meeting,
    MeetingHost,
    Participant,
    Submission,
    maybe_aware,
)


@dataclass(frozen=True, slots=True)
class Expired:
    meeting_id: int
    code: str
    title: str
    last_used: datetime
    retention_days: int


def last_used(session: Session, meeting: Meeting) -> datetime:
    """The latest of: created, imported, a participant joined, an answer changed, the agenda ended."""
    assert meeting.id is not None
    last_answer = session.scalar(
        select(func.max(col(Answer.updated_at)))
        .join(Activity, col(Activity.id) == col(Answer.activity_id))
        .where(col(Activity.meeting_id) == meeting.id)
    )
    last_join = session.scalar(
        select(func.max(col(Participant.created_at))).where(col(Participant.meeting_id) == meeting.id)
    )
    moments = [
        maybe_aware(m)
        for m in (meeting.created_at, meeting.imported_at, last_answer, last_join, meeting.agenda_ended_at)
    ]
    return max(m for m in moments if m is not None)


def expired(session: Session, now: datetime, default_days: int) -> list[Expired]:
    """Meetings (outside a series) whose retention period has passed since they were last used."""
    out: list[Expired] = []
    for meeting in session.scalars(select(Meeting).order_by(col(Meeting.id))):
        assert meeting.id is not None
        if meeting.series_id is not None:
            continue  # kept and deleted with its series (services/series_retention.py)
        days = meeting.retention_days or default_days
        used = last_used(session, meeting)
        if used + timedelta(days=days) <= now:
            out.append(Expired(meeting.id, meeting.code, meeting.title, used, days))
    return out


def delete_meeting_rows(session: Session, meeting_id: int) -> None:
    """Every row of the meeting, explicitly (not only through ON DELETE CASCADE, which SQLite
    applies only with foreign keys switched on)."""
    activity_ids = select(col(Activity.id)).where(col(Activity.meeting_id) == meeting_id)
    participant_ids = select(col(Participant.id)).where(col(Participant.meeting_id) == meeting_id)
    session.execute(delete(Submission).where(col(Submission.activity_id).in_(activity_ids)))
    session.execute(delete(Submission).where(col(Submission.participant_id).in_(participant_ids)))
    session.execute(delete(Answer).where(col(Answer.activity_id).in_(activity_ids)))
    session.execute(delete(Activity).where(col(Activity.meeting_id) == meeting_id))
    session.execute(delete(AgendaBlock).where(col(AgendaBlock.meeting_id) == meeting_id))
    session.execute(delete(Participant).where(col(Participant.meeting_id) == meeting_id))
    session.execute(delete(MeetingHost).where(col(MeetingHost.meeting_id) == meeting_id))
    session.execute(delete(Meeting).where(col(Meeting.id) == meeting_id))


def purge(session: Session, now: datetime, default_days: int) -> list[Expired]:
    gone = expired(session, now, default_days)
    for meeting in gone:
        delete_meeting_rows(session, meeting.meeting_id)
    return gone
