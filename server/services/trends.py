"""Before and after across a series: the group's matched figures, and a participant's own trend."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from server import kinds
from server.db.tables import Activity, Answer, Participant
from server.domain.series import Answers, Comparison, Spread, Suppressed, TrendPoint, compare, own_trend
from server.i18n import say
from server.services import series as series_service
from server.services.series_links import Linked, linked


@dataclass(frozen=True, slots=True)
class BeforeAfter:
    """A linked activity beside its first occurrence in the series (meeting 1 beside meeting N)."""

    link: str
    before: Linked
    after: Linked
    comparison: Comparison

    def public(self, language: str) -> dict[str, Any]:
        """The figures as the big screen, the remote and the report get them (aggregates only)."""
        return {
            "link": self.link,
            "before": {"position": self.before.position, "title": self.before.meeting_title},
            "after": {"position": self.after.position, "title": self.after.meeting_title},
            "low": self.after.measure.low,
            "high": self.after.measure.high,
            "matched": self.comparison.matched,
            "suppressed": _reason(self.comparison.suppressed, language),
            "statements": [
                {
                    "index": item.index,
                    "text": item.text,
                    "matched": item.matched,
                    "before": _spread(item.before),
                    "after": _spread(item.after),
                    "change": item.change,
                    "suppressed": _reason(item.suppressed, language),
                }
                for item in self.comparison.items
            ],
        }


@dataclass(frozen=True, slots=True)
class OwnTrend:
    """One participant's answers to a linked activity across the series: for their phone only."""

    link: str
    statements: tuple[str, ...]
    low: int
    high: int
    points: tuple[TrendPoint, ...]
    titles: dict[int, str]  # meeting position -> title

    def public(self) -> dict[str, Any]:
        return {
            "link": self.link,
            "low": self.low,
            "high": self.high,
            "statements": list(self.statements),
            "meetings": [
                {
                    "position": point.position,
                    "title": self.titles.get(point.position, ""),
                    "values": {str(index): value for index, value in sorted(point.values.items())},
                }
                for point in self.points
            ],
        }


def before_after(session: Session, meeting_id: int, activity_id: int) -> BeforeAfter | None:
    """None when the activity is not linked, or this meeting holds its link's first occurrence."""
    found = _chain(session, meeting_id, activity_id)
    if found is None:
        return None
    link, chain, here = found
    first = chain[0]
    if first.activity_id == here.activity_id:
        return None
    result = compare(here.measure.statements, _answers(session, first), _answers(session, here))
    return BeforeAfter(link, first, here, result)


def trend_of(session: Session, meeting_id: int, activity_id: int, participant_id: int) -> OwnTrend | None:
    """The participant's own values in every meeting up to this one; None without a pass or link."""
    pseudonym = session.scalar(
        select(col(Participant.series_participant_id)).where(col(Participant.id) == participant_id)
    )
    found = _chain(session, meeting_id, activity_id)
    if pseudonym is None or found is None:
        return None
    link, chain, here = found
    upto = [item for item in chain if item.position <= here.position]
    points = [
        TrendPoint(item.position, _answers(session, item, pseudonym).get(pseudonym, {})) for item in upto
    ]
    return OwnTrend(
        link=link,
        statements=here.measure.statements,
        low=here.measure.low,
        high=here.measure.high,
        points=own_trend(points),
        titles={item.position: item.meeting_title for item in upto},
    )


def linked_prompts(session: Session, meeting_id: int) -> list[tuple[int, str]]:
    """The meeting's activities that have a link, in order: (id, prompt)."""
    rows = session.execute(
        select(col(Activity.id), col(Activity.prompt))
        .where(col(Activity.meeting_id) == meeting_id, col(Activity.series_link).is_not(None))
        .order_by(col(Activity.position), col(Activity.id))
    ).all()
    return [(int(row[0]), str(row[1])) for row in rows]


def _chain(session: Session, meeting_id: int, activity_id: int) -> tuple[str, list[Linked], Linked] | None:
    link = session.scalar(
        select(col(Activity.series_link)).where(
            col(Activity.id) == activity_id, col(Activity.meeting_id) == meeting_id
        )
    )
    place = series_service.series_of_meeting(session, meeting_id)
    if link is None or place is None:
        return None
    chain = linked(session, place[0], link)
    here = next((item for item in chain if item.activity_id == activity_id), None)
    if here is None:
        return None
    return link, chain, here


def _answers(session: Session, item: Linked, pseudonym: int | None = None) -> Answers:
    """Pseudonym -> statement -> value for one linked activity; only participants with a pass."""
    query = (
        select(col(Participant.series_participant_id), col(Answer.slot), col(Answer.payload))
        .join(Participant, col(Participant.id) == col(Answer.participant_id))
        .where(
            col(Answer.activity_id) == item.activity_id, col(Participant.series_participant_id).is_not(None)
        )
    )
    if pseudonym is not None:
        query = query.where(col(Participant.series_participant_id) == pseudonym)
    out: dict[int, dict[int, float]] = defaultdict(dict)
    for owner, slot, payload in session.execute(query):
        value = kinds.measured(item.kind, slot, payload)
        if value is not None and 0 <= value[0] < len(item.measure.statements):
            out[int(owner)][value[0]] = value[1]
    return out


def _spread(value: Spread | None) -> dict[str, Any] | None:
    return None if value is None else {"n": value.n, "mean": value.mean, "sd": value.sd}


def _reason(suppressed: Suppressed | None, language: str) -> str | None:
    return None if suppressed is None else say(suppressed.reason, language)


def linked_activities(session: Session, meeting_id: int) -> list[int]:
    """The meeting's activities that have a link (a before/after, or a trend, may exist)."""
    return [activity_id for activity_id, _ in linked_prompts(session, meeting_id)]
