"""Actions carried forward: the action cards a participant with a network pass wrote in the
series' previous meeting, back on their own phone with "gedaan / deels / nog niet" and a short
follow-up, and the group's follow-through in aggregate (suppressed under MIN_GROUP people)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal, get_args

from sqlalchemy import select
from sqlmodel import Session, col

from server import kinds
from server.db.tables import ActionFollowUp, Activity, Answer, Meeting, Participant, utcnow
from server.domain.errors import Code, DomainError
from server.domain.series import Suppressed, suppression
from server.domain.words import clean_text

Status = Literal["done", "partly", "not_yet"]
STATUSES: tuple[Status, ...] = get_args(Status)
NOTE_MAX = 280


@dataclass(frozen=True, slots=True)
class Carried:
    """One action card of the previous meeting, and what its owner said about it (if anything)."""

    answer_id: int
    prompt: str
    insight: str
    action: str
    status: Status | None
    note: str


@dataclass(frozen=True, slots=True)
class FollowThrough:
    """The group's follow-through in a meeting: ``carried`` cards came back to phones here,
    ``answered`` of them got a follow-up, from ``people`` participants; ``counts`` per status
    (None when suppressed: fewer than MIN_GROUP people answered)."""

    previous_title: str
    carried: int
    answered: int
    people: int
    counts: dict[str, int] | None
    suppressed: Suppressed | None


def previous_meeting(session: Session, meeting_id: int) -> Meeting | None:
    """The meeting before this one in its series (the highest earlier position), if any."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.series_id is None or meeting.series_position is None:
        return None
    return session.scalars(
        select(Meeting)
        .where(
            col(Meeting.series_id) == meeting.series_id,
            col(Meeting.series_position) < meeting.series_position,
        )
        .order_by(col(Meeting.series_position).desc())
        .limit(1)
    ).first()


def _cards(session: Session, meeting_id: int, pseudonyms: list[int]) -> list[tuple[int, int, str, str, str]]:
    """(pseudonym, answer id, prompt, insight, action) of the action cards in ``meeting_id``."""
    if not pseudonyms:
        return []
    rows = session.execute(
        select(
            col(Participant.series_participant_id),
            col(Answer.id),
            col(Activity.prompt),
            col(Activity.kind),
            col(Answer.payload),
        )
        .join(Participant, col(Participant.id) == col(Answer.participant_id))
        .join(Activity, col(Activity.id) == col(Answer.activity_id))
        .where(
            col(Activity.meeting_id) == meeting_id,
            col(Participant.series_participant_id).in_(pseudonyms),
        )
        .order_by(col(Activity.position), col(Answer.id))
    ).all()
    out: list[tuple[int, int, str, str, str]] = []
    for pseudonym, answer_id, prompt, kind, payload in rows:
        pair = kinds.carried_action(kind, payload)
        if pair is not None:
            out.append((int(pseudonym), int(answer_id), prompt, *pair))
    return out


def carried(session: Session, meeting_id: int, participant_id: int) -> list[Carried]:
    """The participant's own action cards from the previous meeting (none without a pass)."""
    participant = session.get(Participant, participant_id)
    previous = previous_meeting(session, meeting_id)
    if participant is None or participant.series_participant_id is None or previous is None:
        return []
    assert previous.id is not None
    cards = _cards(session, previous.id, [participant.series_participant_id])
    said = {
        f.answer_id: f
        for f in session.scalars(
            select(ActionFollowUp).where(
                col(ActionFollowUp.participant_id) == participant_id,
                col(ActionFollowUp.answer_id).in_([c[1] for c in cards]),
            )
        )
    }
    out: list[Carried] = []
    for _, answer_id, prompt, insight, action in cards:
        found = said.get(answer_id)
        status: Status | None = found.status if found is not None else None  # type: ignore[assignment]
        out.append(Carried(answer_id, prompt, insight, action, status, found.note if found else ""))
    return out


def follow_up(
    session: Session, meeting_id: int, participant_id: int, answer_id: int, status: Status, note: str
) -> Carried:
    """Store (or replace) the participant's follow-up on one of their carried actions."""
    if status not in STATUSES:
        raise DomainError(Code.INVALID_STATUS, "The status is one of: done, partly, not_yet.")
    text = clean_text(note, max_length=NOTE_MAX, allow_newlines=True) if note.strip() else ""
    mine = {c.answer_id: c for c in carried(session, meeting_id, participant_id)}
    if answer_id not in mine:
        raise DomainError(Code.UNKNOWN_ACTION, "This is not one of your actions from the previous meeting.")
    row = session.scalars(
        select(ActionFollowUp).where(
            col(ActionFollowUp.participant_id) == participant_id, col(ActionFollowUp.answer_id) == answer_id
        )
    ).first() or ActionFollowUp(
        meeting_id=meeting_id, participant_id=participant_id, answer_id=answer_id, status=status
    )
    row.status, row.note, row.updated_at = status, text, utcnow()
    session.add(row)
    session.flush()
    card = mine[answer_id]
    return Carried(card.answer_id, card.prompt, card.insight, card.action, status, text)


def follow_through(session: Session, meeting_id: int) -> FollowThrough | None:
    """The group's follow-through in this meeting, for the report; None outside a series or in
    its first meeting."""
    previous = previous_meeting(session, meeting_id)
    if previous is None:
        return None
    assert previous.id is not None
    here = list(
        session.scalars(
            select(col(Participant.series_participant_id)).where(
                col(Participant.meeting_id) == meeting_id, col(Participant.series_participant_id).is_not(None)
            )
        )
    )
    cards = _cards(session, previous.id, [int(p) for p in here if p is not None])
    rows = session.execute(
        select(col(ActionFollowUp.participant_id), col(ActionFollowUp.status)).where(
            col(ActionFollowUp.meeting_id) == meeting_id
        )
    ).all()
    people = len({participant for participant, _ in rows})
    hidden = suppression(people)
    counts = Counter(status for _, status in rows)
    shown = None if hidden is not None else {str(status): counts.get(status, 0) for status in STATUSES}
    return FollowThrough(previous.title, len(cards), len(rows), people, shown, hidden)
