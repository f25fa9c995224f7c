"""Before and after: linking an activity to the same activity in the other meetings of its series."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from server import kinds
from server.db.tables import Activity, Meeting
from server.domain.errors import Code, DomainError
from server.domain.series import valid_series_link
from server.kinds import Measure


@dataclass(frozen=True, slots=True)
class Linked:
    """One activity of a link, in a meeting of the series."""

    meeting_id: int
    meeting_code: str
    meeting_title: str
    position: int  # the meeting's place in the series (1 = the kick-off)
    activity_id: int
    kind: str
    prompt: str
    measure: Measure


def set_link(session: Session, meeting_id: int, activity_id: int, link: str | None) -> None:
    """Link (or, with None, unlink) an activity. Refused: a kind that does not compare, a link used
    twice in one meeting, or one whose other activities in the series measure something else."""
    activity = session.get(Activity, activity_id)
    if activity is None or activity.meeting_id != meeting_id:
        raise DomainError(Code.UNKNOWN_ACTIVITY, f"There is no activity {activity_id} in this meeting.")
    if link is None:
        activity.series_link = None
        session.add(activity)
        return
    if not valid_series_link(link):
        raise DomainError(
            Code.INVALID_SERIES_LINK,
            "A link is 1 to 64 characters: a-z, 0-9, '-' and '_', starting with a letter or digit.",
        )
    if _measure(activity) is None:
        raise DomainError(
            Code.NOT_COMPARABLE,
            f"A {activity.kind} activity cannot be compared across meetings; link a scale.",
        )
    taken = session.scalar(
        select(col(Activity.id)).where(
            col(Activity.meeting_id) == meeting_id,
            col(Activity.series_link) == link,
            col(Activity.id) != activity_id,
        )
    )
    if taken is not None:
        raise DomainError(Code.LINK_TAKEN, f"Another activity of this meeting has the link {link!r}.")
    activity.series_link = link
    session.add(activity)
    session.flush()
    check_meeting(session, meeting_id)


def check_meeting(session: Session, meeting_id: int) -> None:
    """Every linked activity of the meeting measures what its links in the series measure
    (run when a meeting joins a series, and when a link is set)."""
    series_id = session.scalar(select(col(Meeting.series_id)).where(col(Meeting.id) == meeting_id))
    if series_id is None:
        return
    own = session.scalars(
        select(Activity).where(col(Activity.meeting_id) == meeting_id, col(Activity.series_link).is_not(None))
    ).all()
    for activity in own:
        assert activity.series_link is not None
        mine = _measure(activity)
        for other in linked(session, series_id, activity.series_link):
            if other.activity_id == activity.id:
                continue
            if other.kind != activity.kind or mine is None or not mine.matches(other.measure):
                raise DomainError(
                    Code.LINK_MISMATCH,
                    f"The link {activity.series_link!r} joins activities that do not measure the same "
                    f"thing: meeting {other.position} has {len(other.measure.statements)} statements from "
                    f"{other.measure.low} to {other.measure.high}; give both the same statements and scale.",
                )


def linked(session: Session, series_id: int, link: str) -> list[Linked]:
    """The activities carrying ``link`` in the series, in the meetings' order."""
    rows = session.execute(
        select(Activity, Meeting)
        .join(Meeting, col(Meeting.id) == col(Activity.meeting_id))
        .where(col(Meeting.series_id) == series_id, col(Activity.series_link) == link)
        .order_by(col(Meeting.series_position), col(Meeting.id))
    ).all()
    out: list[Linked] = []
    for activity, meeting in rows:
        measure = _measure(activity)
        if measure is None:
            continue
        assert activity.id is not None and meeting.id is not None
        out.append(
            Linked(
                meeting_id=meeting.id,
                meeting_code=meeting.code,
                meeting_title=meeting.title,
                position=meeting.series_position or 0,
                activity_id=activity.id,
                kind=activity.kind,
                prompt=activity.prompt,
                measure=measure,
            )
        )
    return out


def _measure(activity: Activity) -> Measure | None:
    return kinds.measure(activity.kind, kinds.settings_for(activity.kind, activity.settings))
