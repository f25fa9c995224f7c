"""Storing Q&A: questions and votes in one transaction per batch, idempotent by client id."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from sqlalchemy import delete, insert, select
from sqlmodel import Session, col

from server.db.tables import MeetingBeside, QaQuestion, QaSubmission, QaVote, utcnow
from server.domain.errors import Code, DomainError
from server.domain.qa import Action, QaBoard, Question, Status
from server.domain.reactions import DEFAULT_SET
from server.text import N_

QaOpKind = Literal["ask", "vote", "unvote"]
QUESTIONS = QaQuestion.__table__  # type: ignore[attr-defined]
VOTES = QaVote.__table__  # type: ignore[attr-defined]
SUBMISSIONS = QaSubmission.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class QaOp:
    meeting_id: int
    participant_id: int
    client_id: str
    op: QaOpKind
    question_id: int | None = None  # vote, unvote
    text: str | None = None  # ask: cleaned
    nickname: str | None = None  # ask: None asks anonymously
    status: Status = "visible"  # ask: where the room says it starts
    flagged: bool = False
    refusal: DomainError | None = None  # why the room refused it, told unless it is a resend

    @property
    def fingerprint(self) -> str:
        body = json.dumps([self.op, self.question_id, self.text, self.nickname], ensure_ascii=True)
        return hashlib.sha256(body.encode()).hexdigest()


@dataclass(slots=True)
class QaResult:
    op: QaOp
    question_id: int | None = None
    duplicate: bool = False
    error: DomainError | None = None


@dataclass(slots=True)
class QaBatch:
    results: list[QaResult]
    asked: list[Question] = field(default_factory=list)
    votes: list[tuple[int, int, bool]] = field(default_factory=list)  # question, participant, up


def commit_qa_batch(session: Session, ops: list[QaOp]) -> QaBatch:
    """Store a batch of questions and votes as if one after another; resends get their first ack.

    A vote on a question already voted for (or a withdrawal of a vote not given) changes nothing
    and is acknowledged: the row in ``qavote`` is the truth, unique per question and participant."""
    results = [QaResult(op) for op in ops]
    batch = QaBatch(results)
    fresh = _fresh(session, results)
    wanted = {(r.op.question_id, r.op.participant_id) for r in fresh if r.op.question_id is not None}
    held: dict[tuple[int, int], bool] = {}
    for chunk in _chunks(sorted(wanted), 400):
        questions = sorted({q for q, _ in chunk})
        people = sorted({p for _, p in chunk})
        for q, p in session.execute(
            select(VOTES.c.question_id, VOTES.c.participant_id).where(
                VOTES.c.question_id.in_(questions), VOTES.c.participant_id.in_(people)
            )
        ):
            held[(int(q), int(p))] = True
    before = dict(held)
    now = utcnow()
    for result in fresh:
        op = result.op
        if op.refusal is not None:
            result.error = op.refusal
            continue
        if op.op == "ask":
            assert op.text is not None
            row = session.execute(
                insert(QUESTIONS).returning(QUESTIONS.c.id),
                {
                    "meeting_id": op.meeting_id,
                    "participant_id": op.participant_id,
                    "text": op.text,
                    "nickname": op.nickname,
                    "status": op.status,
                    "answered": False,
                    "created_at": now,
                },
            ).scalar_one()
            result.question_id = int(row)
            batch.asked.append(
                Question(int(row), op.participant_id, op.text, op.nickname, op.status, flagged=op.flagged)
            )
        else:
            assert op.question_id is not None
            result.question_id = op.question_id
            key = (op.question_id, op.participant_id)
            up = op.op == "vote"
            if held.get(key, False) != up:
                held[key] = up
                batch.votes.append((op.question_id, op.participant_id, up))
    added = [k for k, v in held.items() if v and not before.get(k, False)]
    removed = [k for k, v in held.items() if not v and before.get(k, False)]
    if added:
        session.execute(
            insert(VOTES), [{"question_id": q, "participant_id": p, "created_at": now} for q, p in added]
        )
    for q, p in removed:
        session.execute(delete(VOTES).where(VOTES.c.question_id == q, VOTES.c.participant_id == p))
    stored = [r for r in fresh if r.error is None]
    if stored:
        session.execute(
            insert(SUBMISSIONS),
            [
                {
                    "participant_id": r.op.participant_id,
                    "client_id": r.op.client_id,
                    "op": r.op.op,
                    "question_id": r.question_id,
                    "fingerprint": r.op.fingerprint,
                    "created_at": now,
                }
                for r in stored
            ],
        )
    fill_twins(batch)
    return batch


def _fresh(session: Session, results: list[QaResult]) -> list[QaResult]:
    """Resends are answered from the log (a known client id, counted once); the rest are fresh."""
    pairs = sorted({(r.op.participant_id, r.op.client_id) for r in results})
    seen: dict[tuple[int, str], tuple[str, int | None]] = {}
    for chunk in _chunks(pairs, 400):
        people = sorted({p for p, _ in chunk})
        ids = sorted({c for _, c in chunk})
        for p, c, fingerprint, question in session.execute(
            select(
                SUBMISSIONS.c.participant_id,
                SUBMISSIONS.c.client_id,
                SUBMISSIONS.c.fingerprint,
                SUBMISSIONS.c.question_id,
            ).where(SUBMISSIONS.c.participant_id.in_(people), SUBMISSIONS.c.client_id.in_(ids))
        ):
            seen[(int(p), str(c))] = (str(fingerprint), question)
    fresh: list[QaResult] = []
    first: dict[tuple[int, str], QaResult] = {}
    for result in results:
        pair = (result.op.participant_id, result.op.client_id)
        earlier = seen.get(pair)
        twin = first.get(pair)
        if earlier is None and twin is None:
            first[pair] = result
            fresh.append(result)
            continue
        fingerprint = earlier[0] if earlier is not None else twin.op.fingerprint  # type: ignore[union-attr]
        if fingerprint != result.op.fingerprint:
            result.error = DomainError(
                Code.CLIENT_ID_REUSED,
                f"Client id {result.op.client_id!r} was already used for something else; use a new id.",
            )
            continue
        result.duplicate = True
        result.question_id = earlier[1] if earlier is not None else None
    return fresh


def fill_twins(batch: QaBatch) -> None:
    """A client id sent twice in one batch: the second copy gets the question id the first got."""
    got = {(r.op.participant_id, r.op.client_id): r for r in batch.results if not r.duplicate}
    for result in batch.results:
        if result.duplicate and result.question_id is None:
            first = got.get((result.op.participant_id, result.op.client_id))
            if first is not None:
                result.question_id, result.error = first.question_id, first.error
                result.duplicate = first.error is None


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# -- the meeting's settings and the host's moderation -------------------------------------------


@dataclass(frozen=True, slots=True)
class Beside:
    """A meeting's Q&A and reaction settings with its questions, as a room loads them."""

    board: QaBoard
    reactions_on: bool
    reaction_set: list[str]


def load_beside(session: Session, meeting_id: int) -> Beside:
    row = session.get(MeetingBeside, meeting_id)
    board = QaBoard(
        open=bool(row and row.qa_open),
        premoderate=bool(row and row.qa_premoderate),
        highlighted=row.qa_highlighted if row else None,
    )
    rows = session.execute(
        select(
            QUESTIONS.c.id,
            QUESTIONS.c.participant_id,
            QUESTIONS.c.text,
            QUESTIONS.c.nickname,
            QUESTIONS.c.status,
            QUESTIONS.c.answered,
        )
        .where(QUESTIONS.c.meeting_id == meeting_id)
        .order_by(QUESTIONS.c.id)
    )
    for qid, participant, text, nickname, status, answered in rows:
        board.questions[int(qid)] = Question(
            int(qid), int(participant), str(text), nickname, cast(Status, status), bool(answered)
        )
    votes = session.execute(
        select(VOTES.c.question_id, VOTES.c.participant_id)
        .join(QUESTIONS, QUESTIONS.c.id == VOTES.c.question_id)
        .where(QUESTIONS.c.meeting_id == meeting_id)
        .order_by(VOTES.c.id)
    )
    for question_id, participant in votes:
        board.vote(int(question_id), int(participant), True)
    return Beside(
        board,
        row.reactions_on if row else True,
        list(row.reaction_set) if row and row.reaction_set else list(DEFAULT_SET),
    )


def _settings_row(session: Session, meeting_id: int) -> MeetingBeside:
    row = session.get(MeetingBeside, meeting_id)
    if row is None:
        row = MeetingBeside(meeting_id=meeting_id)
        session.add(row)
    return row


def set_qa(session: Session, meeting_id: int, *, open_: bool | None, premoderate: bool | None) -> None:
    row = _settings_row(session, meeting_id)
    if open_ is not None:
        row.qa_open = open_
    if premoderate is not None:
        row.qa_premoderate = premoderate
    session.flush()


def set_reactions(session: Session, meeting_id: int, *, on: bool | None, names: list[str] | None) -> None:
    row = _settings_row(session, meeting_id)
    if on is not None:
        row.reactions_on = on
    if names is not None:
        row.reaction_set = names
    session.flush()


def moderate(session: Session, meeting_id: int, question_id: int, action: Action) -> None:
    """Approve, hide, show, (un)answer or (un)highlight one of the meeting's questions."""
    question = session.get(QaQuestion, question_id)
    if question is None or question.meeting_id != meeting_id:
        raise DomainError(Code.UNKNOWN_QUESTION, N_("There is no such question (any more)."))
    if action in ("approve", "show"):
        question.status = "visible"
    elif action == "hide":
        question.status = "hidden"
    elif action in ("answer", "unanswer"):
        question.answered = action == "answer"
    row = _settings_row(session, meeting_id)
    if action == "highlight":
        row.qa_highlighted = question_id
    elif row.qa_highlighted == question_id and action in ("hide", "answer", "unhighlight"):
        row.qa_highlighted = None
    session.flush()


def questions_for_export(session: Session, meeting_id: int) -> list[dict[str, Any]]:
    """Every question of a meeting with its vote count, oldest first (exports and the report)."""
    board = load_beside(session, meeting_id).board
    rows = session.execute(
        select(col(QaQuestion.id), col(QaQuestion.created_at)).where(col(QaQuestion.meeting_id) == meeting_id)
    )
    asked = {int(i): at for i, at in rows}
    return [
        {**q.for_host(), "asked_at": asked[q.id].isoformat() if q.id in asked else None}
        for q in sorted(board.questions.values(), key=lambda q: q.id)
    ]


def commit_and_load(session: Session, ops: list[QaOp]) -> tuple[QaBatch, dict[int, Beside]]:
    """``commit_qa_batch``, and what the database then holds for the meetings it touched
    (KRING_CHECK_INVARIANTS: the rooms are compared with it)."""
    batch = commit_qa_batch(session, ops)
    return batch, {m: load_beside(session, m) for m in {op.meeting_id for op in ops}}
