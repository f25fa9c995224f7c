"""Use cases for a series (a lerend netwerk): make one, add its meetings from templates, and who runs it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import func, select
from sqlmodel import Session, col

from server.db.tables import Meeting, MeetingHost, Participant, Series, SeriesHost, SeriesParticipant, aware
from server.domain.errors import Code, DomainError
from server.domain.meeting import Language
from server.domain.words import host_text
from server.draaiboek import Template
from server.services import series_links
from server.services import templates as template_service
from server.services.keys import hash_key, key_matches, new_key
from server.services.meetings import CreatedMeeting

UNSET: Any = object()  # "leave as it is", where None is a value (the instance's retention)

KICKOFF = "kickoff"  # the template of a series' first meeting
FOLLOW_UP = "followup"  # and of every meeting after it
THEME = "thema"  # the placeholders a series fills in itself
NUMBER = "bijeenkomst"


@dataclass(frozen=True, slots=True)
class SeriesMeeting:
    id: int
    code: str
    title: str
    position: int
    created_at: datetime
    participants: int  # who joined the meeting
    pseudonyms: int  # of them, how many with the network pass


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    id: int
    title: str
    theme: str
    language: Language
    retention_days: int | None
    created_at: datetime
    meetings: tuple[SeriesMeeting, ...]
    pseudonyms: int  # network passes taken in the series

    def next_position(self) -> int:
        return max((m.position for m in self.meetings), default=0) + 1


@dataclass(frozen=True, slots=True)
class CreatedSeries:
    series: SeriesInfo
    key: str  # the series key: shown once, only its hash is kept


def create_series(
    session: Session,
    title: str,
    theme: str = "",
    language: Language = "nl",
    *,
    owner_id: int | None = None,
    retention_days: int | None = None,
) -> CreatedSeries:
    key = new_key(24)
    series = Series(
        title=host_text(title, field="title"),
        theme=host_text(theme, field="theme"),
        language=language,
        host_key_hash=hash_key(key),
        owner_id=owner_id,
        retention_days=retention_days,
    )
    session.add(series)
    session.flush()
    assert series.id is not None
    return CreatedSeries(load(session, series.id), key)


def load(session: Session, series_id: int) -> SeriesInfo:
    series = _series(session, series_id)
    meetings = session.scalars(
        select(Meeting)
        .where(col(Meeting.series_id) == series_id)
        .order_by(col(Meeting.series_position), col(Meeting.id))
    ).all()
    ids = [m.id for m in meetings]
    joined = dict(
        session.execute(
            select(col(Participant.meeting_id), func.count())
            .where(col(Participant.meeting_id).in_(ids))
            .group_by(col(Participant.meeting_id))
        ).all()
    )
    passes = dict(
        session.execute(
            select(col(Participant.meeting_id), func.count())
            .where(col(Participant.meeting_id).in_(ids), col(Participant.series_participant_id).is_not(None))
            .group_by(col(Participant.meeting_id))
        ).all()
    )
    pseudonyms = session.scalar(
        select(func.count())
        .select_from(SeriesParticipant)
        .where(col(SeriesParticipant.series_id) == series_id)
    )
    assert series.id is not None
    return SeriesInfo(
        id=series.id,
        title=series.title,
        theme=series.theme,
        language=cast(Language, series.language),
        retention_days=series.retention_days,
        created_at=aware(series.created_at),
        meetings=tuple(
            SeriesMeeting(
                id=m.id,
                code=m.code,
                title=m.title,
                position=m.series_position or 0,
                created_at=aware(m.created_at),
                participants=int(joined.get(m.id, 0)),
                pseudonyms=int(passes.get(m.id, 0)),
            )
            for m in meetings
            if m.id is not None
        ),
        pseudonyms=int(pseudonyms or 0),
    )


def list_for(session: Session, user_id: int | None) -> list[SeriesInfo]:
    """The series a facilitator runs (owner or co-facilitator), newest first; None: every series
    (the command line, which runs on the server itself)."""
    query = select(col(Series.id)).order_by(col(Series.id).desc())
    if user_id is not None:
        hosted = select(col(SeriesHost.series_id)).where(col(SeriesHost.user_id) == user_id)
        query = query.where((col(Series.owner_id) == user_id) | col(Series.id).in_(hosted))
    return [load(session, int(series_id)) for series_id in session.scalars(query) if series_id is not None]


def update(
    session: Session,
    series_id: int,
    *,
    title: str | None = None,
    theme: str | None = None,
    retention_days: int | None = UNSET,
) -> SeriesInfo:
    """Change the title, theme or retention; a retention applies to every meeting of the series."""
    series = _series(session, series_id)
    if title is not None:
        series.title = host_text(title, field="title")
    if theme is not None:
        series.theme = host_text(theme, field="theme")
    if retention_days is not UNSET:
        series.retention_days = retention_days
        for meeting in session.scalars(select(Meeting).where(col(Meeting.series_id) == series_id)):
            meeting.retention_days = retention_days
            session.add(meeting)
    session.add(series)
    session.flush()
    return load(session, series_id)


def default_template(position: int) -> str:
    return KICKOFF if position <= 1 else FOLLOW_UP


def add_meeting(
    session: Session,
    series_id: int,
    template: Template,
    values: Mapping[str, str] | None = None,
    *,
    title: str | None = None,
    owner_id: int | None = None,
) -> tuple[CreatedMeeting, int]:
    """The next meeting of the series from ``template``: the series' theme and the meeting's
    number fill the placeholders named ``thema`` and ``bijeenkomst`` unless given. Returns the
    meeting and its place in the series."""
    series = _series(session, series_id)
    position = load(session, series_id).next_position()
    filled = dict(values or {})
    names = {p.name for p in template.placeholders}
    if THEME in names and series.theme:
        filled.setdefault(THEME, series.theme)
    if NUMBER in names:
        filled.setdefault(NUMBER, str(position))
    created = template_service.create_from_template(session, template, filled, title=title)
    _join(session, series, created.meeting.id, position, owner_id)
    return created, position


def attach_meeting(session: Session, series_id: int, meeting_id: int, *, owner_id: int | None = None) -> int:
    """An existing meeting becomes the next of the series; its place is returned."""
    series = _series(session, series_id)
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise DomainError(Code.UNKNOWN_MEETING, "This meeting does not exist (any more).")
    if meeting.series_id is not None:
        raise DomainError(Code.IN_ANOTHER_SERIES, "This meeting already belongs to a series.")
    position = load(session, series_id).next_position()
    _join(session, series, meeting_id, position, owner_id)
    return position


def _join(session: Session, series: Series, meeting_id: int, position: int, owner_id: int | None) -> None:
    meeting = session.get(Meeting, meeting_id)
    assert meeting is not None and series.id is not None
    meeting.series_id = series.id
    meeting.series_position = position
    meeting.retention_days = series.retention_days
    meeting.owner_id = owner_id or meeting.owner_id or series.owner_id
    session.add(meeting)
    # Every facilitator of the series hosts its meetings.
    hosts = {
        series.owner_id,
        *session.scalars(select(col(SeriesHost.user_id)).where(col(SeriesHost.series_id) == series.id)),
    }
    hosts.discard(None)
    hosts.discard(meeting.owner_id)
    for user_id in sorted(h for h in hosts if h is not None):
        session.add(MeetingHost(meeting_id=meeting_id, user_id=user_id))
    session.flush()
    series_links.check_meeting(session, meeting_id)


def add_host(session: Session, series_id: int, user_id: int) -> None:
    """A co-facilitator of the series hosts its meetings too, the ones made before as well."""
    series = _series(session, series_id)
    if series.owner_id == user_id or may_lead(session, series_id, user_id):
        return
    session.add(SeriesHost(series_id=series_id, user_id=user_id))
    for meeting_id in session.scalars(select(col(Meeting.id)).where(col(Meeting.series_id) == series_id)):
        exists = session.scalar(
            select(col(MeetingHost.id)).where(
                col(MeetingHost.meeting_id) == meeting_id, col(MeetingHost.user_id) == user_id
            )
        )
        owner = session.scalar(select(col(Meeting.owner_id)).where(col(Meeting.id) == meeting_id))
        if exists is None and owner != user_id and meeting_id is not None:
            session.add(MeetingHost(meeting_id=meeting_id, user_id=user_id))
    session.flush()


def may_lead(session: Session, series_id: int, user_id: int) -> bool:
    """Whether a facilitator's account runs the series: its owner or a co-facilitator."""
    owner = session.scalar(select(col(Series.owner_id)).where(col(Series.id) == series_id))
    if owner is not None and owner == user_id:
        return True
    found = session.scalar(
        select(col(SeriesHost.id)).where(
            col(SeriesHost.series_id) == series_id, col(SeriesHost.user_id) == user_id
        )
    )
    return found is not None


def key_opens(session: Session, series_id: int, key: str) -> bool:
    """Whether ``key`` is the series key (a missing series compares against a dummy, as long)."""
    found = session.scalar(select(col(Series.host_key_hash)).where(col(Series.id) == series_id))
    return key_matches(key, found or "0" * 64) and found is not None


def series_of_meeting(session: Session, meeting_id: int) -> tuple[int, int] | None:
    """The series a meeting belongs to and its place there, or None."""
    row = session.execute(
        select(col(Meeting.series_id), col(Meeting.series_position)).where(col(Meeting.id) == meeting_id)
    ).first()
    if row is None or row[0] is None:
        return None
    return int(row[0]), int(row[1] or 0)


def _series(session: Session, series_id: int) -> Series:
    series = session.get(Series, series_id)
    if series is None:
        raise DomainError(Code.UNKNOWN_SERIES, "There is no series with this number.")
    return series


def owner_of_meeting(session: Session, meeting_id: int) -> int | None:
    return session.scalar(select(col(Meeting.owner_id)).where(col(Meeting.id) == meeting_id))


def title_of(session: Session, series_id: int) -> str:
    return _series(session, series_id).title
