"""The rows behind a meeting: fetch a meeting or activity by id (refusing unknown ones), set an
activity's status and the current activity, renumber and count, and map rows to the domain's
MeetingInfo and ActivityInfo."""

from __future__ import annotations

from typing import cast

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from server import kinds
from server.db.tables import Activity, Answer, Meeting, maybe_aware, utcnow
from server.domain.errors import Code, DomainError
from server.domain.meeting import ActivityInfo, Language, MeetingInfo, Status


def meeting_row(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise DomainError(Code.UNKNOWN_MEETING, "This meeting does not exist (any more).")
    return meeting


def activity_row(session: Session, meeting_id: int, activity_id: int) -> Activity:
    activity = session.get(Activity, activity_id)
    if activity is None or activity.meeting_id != meeting_id:
        raise DomainError(Code.UNKNOWN_ACTIVITY, f"There is no activity {activity_id} in this meeting.")
    return activity


def set_status(session: Session, activity_id: int, status: Status) -> None:
    # Opening stamps the server's time: a timed activity's deadline counts from it.
    stamp = {"opened_at": utcnow()} if status == "open" else {}
    session.execute(update(Activity).where(col(Activity.id) == activity_id).values(status=status, **stamp))


def set_current(session: Session, meeting_id: int, activity_id: int | None) -> None:
    session.execute(
        update(Meeting).where(col(Meeting.id) == meeting_id).values(current_activity_id=activity_id)
    )


def renumber(session: Session, meeting_id: int) -> None:
    ids = session.scalars(
        select(col(Activity.id))
        .where(col(Activity.meeting_id) == meeting_id)
        .order_by(col(Activity.position), col(Activity.id))
    ).all()
    for position, activity_id in enumerate(ids):
        session.execute(update(Activity).where(col(Activity.id) == activity_id).values(position=position))


def answer_count(session: Session, activity_id: int) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Answer).where(col(Answer.activity_id) == activity_id))
        or 0
    )


def activity_info(activity: Activity) -> ActivityInfo:
    assert activity.id is not None
    kind = kinds.get(activity.kind)
    return ActivityInfo(
        id=activity.id,
        position=activity.position,
        kind=activity.kind,
        prompt=activity.prompt,
        settings=dict(activity.settings),
        status=cast(Status, activity.status),
        show_results_presenter=activity.show_results_presenter,
        show_results_phones=activity.show_results_phones,
        moderation=dict(activity.moderation),
        series_link=activity.series_link,
        block_id=activity.block_id,
        opened_at=maybe_aware(activity.opened_at),
        limits=kind.phone_payload(kinds.settings_for(kind.name, activity.settings)),
    )


def meeting_info(meeting: Meeting, activities: list[Activity]) -> MeetingInfo:
    assert meeting.id is not None
    return MeetingInfo(
        id=meeting.id,
        code=meeting.code,
        title=meeting.title,
        theme=meeting.theme,
        language=cast(Language, meeting.language),
        current_activity_id=meeting.current_activity_id,
        activities=tuple(activity_info(a) for a in activities),
        description=meeting.description,
        preparation=meeting.preparation,
        show_schedule=meeting.show_schedule,
        join_secret=meeting.join_secret,
        joins_closed=meeting.joins_closed,
        series_position=meeting.series_position if meeting.series_id is not None else None,
    )
