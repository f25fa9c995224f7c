"""Self-paced questionnaires in the database: opening and closing one, each phone's step (through
a group commit, like answers), and the completion counts for the exports and the report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from server import kinds
from server.db.tables import Activity, AgendaBlock, Answer, Meeting, PaceProgress, Questionnaire, utcnow
from server.domain.errors import Code, DomainError
from server.domain.pace import Questionnaire as OpenQuestionnaire
from server.domain.pace import check_steps, completion
from server.services import agenda as agenda_service
from server.services.events import StructureChanged


def load_open(session: Session, meeting_id: int, open_ids: set[int]) -> OpenQuestionnaire | None:
    """The meeting's open questionnaire: not closed, and one of its steps still open (opening an
    activity outside it, or entering another block, closes its steps and so ends it)."""
    row = session.scalars(
        select(Questionnaire)
        .where(col(Questionnaire.meeting_id) == meeting_id, col(Questionnaire.closed_at).is_(None))
        .order_by(col(Questionnaire.id).desc())
        .limit(1)
    ).first()
    if row is None or row.id is None or not open_ids.intersection(row.activity_ids):
        return None
    return OpenQuestionnaire(row.id, tuple(int(a) for a in row.activity_ids))


def block_steps(session: Session, meeting_id: int, block_id: int) -> list[int]:
    """A block's activities in order: the steps of the block's questionnaire."""
    block = session.get(AgendaBlock, block_id)
    if block is None or block.meeting_id != meeting_id:
        raise DomainError(Code.UNKNOWN_BLOCK, f"There is no agenda block {block_id} in this meeting.")
    return [
        int(a or 0)
        for a in session.scalars(
            select(col(Activity.id))
            .where(col(Activity.block_id) == block_id)
            .order_by(col(Activity.position), col(Activity.id))
        )
    ]


def open_questionnaire(
    session: Session,
    meeting_id: int,
    activity_ids: Sequence[int] | None,
    block_id: int | None = None,
    now: datetime | None = None,
) -> StructureChanged:
    """Open activities as one questionnaire: all its steps open at once (any other open activity
    closes), the first is on the big screen, and every phone starts at the first step. Given a
    block instead of activities: that block's activities."""
    if activity_ids is None:
        if block_id is None:
            raise DomainError(
                Code.MISSING_FIELD, "Name the questionnaire's 'activity_ids' or its 'block_id'."
            )
        activity_ids = block_steps(session, meeting_id, block_id)
    activities = {
        a.id: a
        for a in session.scalars(select(Activity).where(col(Activity.meeting_id) == meeting_id)).all()
        if a.id is not None
    }
    if session.get(Meeting, meeting_id) is None:
        raise DomainError(Code.UNKNOWN_MEETING, "This meeting does not exist (any more).")
    steps = check_steps(activity_ids, activities)
    for step in steps:
        kind = kinds.get(activities[step].kind)
        if kind.results_on_phones_always:
            raise DomainError(
                Code.NOT_SELF_PACED,
                f"Activity {step} cannot be self-paced: phones take part in it through what the "
                "whole room answers at the same moment.",
            )
    _close_open(session, meeting_id, utcnow())
    session.execute(
        update(Activity)
        .where(col(Activity.meeting_id) == meeting_id, col(Activity.id).not_in(steps))
        .where(col(Activity.status) == "open")
        .values(status="closed")
    )
    session.execute(update(Activity).where(col(Activity.id).in_(steps)).values(status="open"))
    session.execute(update(Meeting).where(col(Meeting.id) == meeting_id).values(current_activity_id=steps[0]))
    session.add(Questionnaire(meeting_id=meeting_id, activity_ids=list(steps), opened_at=now or utcnow()))
    if now is not None:
        agenda_service.follow_activity(session, meeting_id, steps[0], now)
        # Entering a block closes what is open outside it; a questionnaire may span blocks.
        session.execute(update(Activity).where(col(Activity.id).in_(steps)).values(status="open"))
    return StructureChanged(meeting_id)


def close_questionnaire(session: Session, meeting_id: int) -> StructureChanged:
    """Close the open questionnaire: its steps take no more answers; phones see the screen again."""
    if session.get(Meeting, meeting_id) is None:
        raise DomainError(Code.UNKNOWN_MEETING, "This meeting does not exist (any more).")
    if not _close_open(session, meeting_id, utcnow()):
        raise DomainError(Code.QUESTIONNAIRE_CLOSED, "No questionnaire is open in this meeting.")
    return StructureChanged(meeting_id)


def _close_open(session: Session, meeting_id: int, now: datetime) -> bool:
    rows = session.scalars(
        select(Questionnaire).where(
            col(Questionnaire.meeting_id) == meeting_id, col(Questionnaire.closed_at).is_(None)
        )
    ).all()
    for row in rows:
        row.closed_at = now
        session.add(row)
        session.execute(
            update(Activity)
            .where(col(Activity.id).in_(row.activity_ids), col(Activity.status) == "open")
            .values(status="closed")
        )
    return bool(rows)


def load_progress(session: Session, questionnaire_id: int) -> list[tuple[int, int, int]]:
    """Every phone's (participant, step, furthest) in a questionnaire."""
    return [
        (int(p), int(s), int(f))
        for p, s, f in session.execute(
            select(
                col(PaceProgress.participant_id), col(PaceProgress.step), col(PaceProgress.furthest)
            ).where(col(PaceProgress.questionnaire_id) == questionnaire_id)
        )
    ]


def progress_for(
    session: Session, running: OpenQuestionnaire | None, held: OpenQuestionnaire | None
) -> tuple[int, list[tuple[int, int, int]]]:
    """The stored steps of the meeting's open questionnaire, unless the room holds it already
    (its moves reach it as they are committed): (questionnaire id, rows), (0, []) for none."""
    if running is None or (held is not None and held.id == running.id):
        return 0, []
    return running.id, load_progress(session, running.id)


@dataclass(slots=True)
class StepOp:
    """A phone moves to ``step`` of a questionnaire (``refusal``: why it may not, told after the
    commit; moving is idempotent, so a resend is simply moved again)."""

    meeting_id: int
    questionnaire_id: int
    participant_id: int
    client_id: str
    step: int
    refusal: DomainError | None = None
    stored: tuple[int, int] | None = field(default=None)


def commit_steps(session: Session, ops: list[StepOp]) -> list[StepOp]:
    """Store a batch of moves in one transaction; the furthest step only grows."""
    fresh = [op for op in ops if op.refusal is None]
    keys = sorted({(op.questionnaire_id, op.participant_id) for op in fresh})
    rows: dict[tuple[int, int], PaceProgress] = {}
    for i in range(0, len(keys), 400):
        chunk = keys[i : i + 400]
        for row in session.scalars(
            select(PaceProgress).where(
                col(PaceProgress.questionnaire_id).in_(sorted({q for q, _ in chunk})),
                col(PaceProgress.participant_id).in_(sorted({p for _, p in chunk})),
            )
        ).all():
            rows[(row.questionnaire_id, row.participant_id)] = row
    now = utcnow()
    for op in fresh:
        key = (op.questionnaire_id, op.participant_id)
        held = rows.get(key)
        row = (
            held
            if held is not None
            else PaceProgress(
                questionnaire_id=op.questionnaire_id, participant_id=op.participant_id, step=0, furthest=0
            )
        )
        rows[key] = row
        row.step = op.step
        row.furthest = max(row.furthest, op.step)
        row.updated_at = now
        op.stored = (row.step, row.furthest)
    session.add_all(rows.values())
    return ops


def completions(session: Session, meeting_id: int) -> list[dict[str, Any]]:
    """Every questionnaire the meeting ran, oldest first: its steps, how many phones started,
    how many got past each step, and how many reached the end."""
    runs = session.scalars(
        select(Questionnaire)
        .where(col(Questionnaire.meeting_id) == meeting_id)
        .order_by(col(Questionnaire.id))
    ).all()
    found: list[dict[str, Any]] = []
    for run in runs:
        assert run.id is not None
        furthest = {
            int(p): int(f)
            for p, f in session.execute(
                select(col(PaceProgress.participant_id), col(PaceProgress.furthest)).where(
                    col(PaceProgress.questionnaire_id) == run.id
                )
            )
        }
        # A phone that answered a step without moving on has started too (at step 0).
        for participant in session.scalars(
            select(col(Answer.participant_id)).distinct().where(col(Answer.activity_id).in_(run.activity_ids))
        ):
            furthest.setdefault(int(participant), 0)
        found.append(
            {
                "id": run.id,
                **completion([int(a) for a in run.activity_ids], list(furthest.values())),
                "opened_at": run.opened_at,
                "closed_at": run.closed_at,
            }
        )
    return found
