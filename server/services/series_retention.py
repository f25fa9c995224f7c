"""Retention per series: a series (its meetings, their answers, and the pseudonyms of its network
pass) is deleted as a whole once its retention period has passed since it was last used. Meetings
of a series never expire on their own (services/retention.py skips them): before and after, and
the actions carried forward, need the earlier meetings as long as the series lives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from server.db.tables import Meeting, Series, SeriesHost, SeriesParticipant, maybe_aware
from server.services.retention import delete_meeting_rows, last_used


@dataclass(frozen=True, slots=True)
class ExpiredSeries:
    series_id: int
    title: str
    last_used: datetime
    retention_days: int
    meetings: int
    pseudonyms: int


def series_last_used(session: Session, series: Series) -> datetime:
    """The latest of: created, any of its meetings last used, a pseudonym last seen."""
    assert series.id is not None
    moments = [maybe_aware(series.created_at)]
    for meeting in session.scalars(select(Meeting).where(col(Meeting.series_id) == series.id)):
        moments.append(last_used(session, meeting))
    seen = session.scalar(
        select(func.max(col(SeriesParticipant.last_seen_at))).where(
            col(SeriesParticipant.series_id) == series.id
        )
    )
    moments.append(maybe_aware(seen))
    return max(m for m in moments if m is not None)


def expired_series(session: Session, now: datetime, default_days: int) -> list[ExpiredSeries]:
    out: list[ExpiredSeries] = []
    for series in session.scalars(select(Series).order_by(col(Series.id))):
        assert series.id is not None
        days = series.retention_days or default_days
        used = series_last_used(session, series)
        if used + timedelta(days=days) <= now:
            meetings = session.scalar(select(func.count()).where(col(Meeting.series_id) == series.id)) or 0
            pseudonyms = (
                session.scalar(select(func.count()).where(col(SeriesParticipant.series_id) == series.id)) or 0
            )
            out.append(ExpiredSeries(series.id, series.title, used, days, int(meetings), int(pseudonyms)))
    return out


def delete_series_rows(session: Session, series_id: int) -> None:
    """The series, each of its meetings with every row (services/retention.py), its pseudonyms."""
    meetings = session.scalars(select(col(Meeting.id)).where(col(Meeting.series_id) == series_id)).all()
    for meeting_id in meetings:
        if meeting_id is not None:
            delete_meeting_rows(session, meeting_id)
    session.execute(delete(SeriesParticipant).where(col(SeriesParticipant.series_id) == series_id))
    session.execute(delete(SeriesHost).where(col(SeriesHost.series_id) == series_id))
    session.execute(delete(Series).where(col(Series.id) == series_id))


def purge_series(session: Session, now: datetime, default_days: int) -> list[ExpiredSeries]:
    gone = expired_series(session, now, default_days)
    for series in gone:
        delete_series_rows(session, series.series_id)
    return gone
