"""Forgetting a participant ("vergeet mij"): their pseudonym and everything it left behind, in one
transaction. Every row is deleted explicitly, not only through ON DELETE CASCADE (SQLite applies
that only with foreign keys switched on), and the facilitator's moderation forgets the answers'
ids. Reactions are kept as anonymous counts per meeting only: nothing ties one to a person."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlmodel import Session, col

from server.db.tables import (
    ActionFollowUp,
    Activity,
    Answer,
    MeetingBeside,
    Participant,
    QaQuestion,
    QaSubmission,
    QaVote,
    SeriesParticipant,
    Submission,
)
from server.domain.series import is_valid_pass_code, normalise_pass_code
from server.kinds.moderation import Moderation
from server.services.keys import hash_key


@dataclass(frozen=True, slots=True)
class Erased:
    """What went: per meeting, the participants (the live rooms forget them too), and counts."""

    participants: dict[int, list[int]]  # meeting id -> participant ids
    answers: int
    questions: int
    votes: int

    @property
    def meetings(self) -> list[int]:
        return sorted(self.participants)


def participant_for_token(session: Session, meeting_id: int, token_hash: str) -> int | None:
    found = session.scalar(
        select(col(Participant.id)).where(
            col(Participant.token_hash) == token_hash, col(Participant.meeting_id) == meeting_id
        )
    )
    return int(found) if found is not None else None


def erase(session: Session, participant_ids: Iterable[int]) -> Erased:
    """Delete the participants, their answers and idempotency logs, their questions (with
    everyone's votes on them) and their votes; highlighted or hidden answers of theirs leave the
    moderation, and a highlighted question of theirs leaves the big screen."""
    ids = sorted(set(participant_ids))
    rows = session.execute(
        select(col(Participant.id), col(Participant.meeting_id)).where(col(Participant.id).in_(ids))
    ).all()
    by_meeting: dict[int, list[int]] = {}
    for participant_id, meeting_id in rows:
        by_meeting.setdefault(int(meeting_id), []).append(int(participant_id))
    if not rows:
        return Erased({}, 0, 0, 0)
    answers = session.execute(
        select(col(Answer.id), col(Answer.activity_id)).where(col(Answer.participant_id).in_(ids))
    ).all()
    _forget_in_moderation(session, answers)
    questions = list(
        session.scalars(select(col(QaQuestion.id)).where(col(QaQuestion.participant_id).in_(ids)))
    )
    if questions:
        for beside in session.scalars(
            select(MeetingBeside).where(col(MeetingBeside.qa_highlighted).in_(questions))
        ):
            beside.qa_highlighted = None
            session.add(beside)
    gone_votes = col(QaVote.participant_id).in_(ids) | col(QaVote.question_id).in_(questions or [-1])
    votes = len(session.scalars(select(col(QaVote.id)).where(gone_votes)).all())
    session.execute(delete(QaVote).where(gone_votes))
    session.execute(delete(QaSubmission).where(col(QaSubmission.participant_id).in_(ids)))
    session.execute(delete(QaQuestion).where(col(QaQuestion.id).in_(questions or [-1])))
    answer_ids = [int(a) for a, _ in answers]
    session.execute(
        delete(ActionFollowUp).where(
            col(ActionFollowUp.participant_id).in_(ids)
            | col(ActionFollowUp.answer_id).in_(answer_ids or [-1])
        )
    )
    session.execute(delete(Submission).where(col(Submission.participant_id).in_(ids)))
    session.execute(delete(Answer).where(col(Answer.participant_id).in_(ids)))
    session.execute(delete(Participant).where(col(Participant.id).in_(ids)))
    return Erased(by_meeting, len(answers), len(questions), votes)


def _forget_in_moderation(session: Session, answers: Iterable[tuple[int, int]]) -> None:
    entries: dict[int, set[int]] = {}
    for answer_id, activity_id in answers:
        entries.setdefault(int(activity_id), set()).add(int(answer_id))
    for activity in session.scalars(select(Activity).where(col(Activity.id).in_(sorted(entries)))):
        assert activity.id is not None
        moderation = Moderation.from_json(activity.moderation)
        gone = entries[activity.id]
        if not (moderation.highlighted & gone or moderation.hidden_entries & gone):
            continue
        moderation.highlighted -= gone
        moderation.hidden_entries -= gone
        activity.moderation = moderation.to_json()
        session.add(activity)


def pseudonym_for_code(session: Session, code: str) -> int | None:
    """The series pseudonym behind a personal code (the network pass's, typed as given)."""
    clean = normalise_pass_code(code)
    if not is_valid_pass_code(clean):
        return None
    found = session.scalar(
        select(col(SeriesParticipant.id)).where(col(SeriesParticipant.code_hash) == hash_key(clean))
    )
    return int(found) if found is not None else None


def pseudonym_of(session: Session, participant_id: int) -> int | None:
    found = session.scalar(
        select(col(Participant.series_participant_id)).where(col(Participant.id) == participant_id)
    )
    return int(found) if found is not None else None


def series_of_pseudonym(session: Session, pseudonym_id: int) -> int | None:
    found = session.scalar(
        select(col(SeriesParticipant.series_id)).where(col(SeriesParticipant.id) == pseudonym_id)
    )
    return int(found) if found is not None else None


def erase_pseudonym(session: Session, pseudonym_id: int) -> Erased:
    """A pseudonym across its whole series: every meeting's participant it joined as, with all
    they left (``erase``), and the pseudonym itself (its cookie and code open nothing after)."""
    ids = list(
        session.scalars(
            select(col(Participant.id)).where(col(Participant.series_participant_id) == pseudonym_id)
        )
    )
    erased = erase(session, [int(i) for i in ids if i is not None])
    session.execute(delete(SeriesParticipant).where(col(SeriesParticipant.id) == pseudonym_id))
    return erased
