"""Storing answers: one transaction per batch, idempotent by client id, exact tally deltas."""

from __future__ import annotations

import functools
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import TextualSelect, delete, insert, select, text
from sqlmodel import Session, col

from server.db.many import Many
from server.db.tables import Activity, Answer, Participant, Submission, utcnow
from server.domain.errors import Code, DomainError
from server.kinds import Change
from server.services.batch_state import BatchState, Key, Row

# The answer path writes through Core statements on the tables: the ORM's bulk paths cost
# several times as much per row, and a batch of a whole hall's answers is all rows.
ANSWERS = Answer.__table__  # type: ignore[attr-defined]
SUBMISSIONS = Submission.__table__  # type: ignore[attr-defined]
# The rows of a batch go through the driver's executemany as prebuilt tuples (server/db/many.py).
UPDATE_ANSWER = Many(ANSWERS, ("payload", "client_id", "rev", "updated_at"), key="id")
SUBMITTED = ("participant_id", "client_id", "activity_id", "op", "slot", "fingerprint", "entry_id", "payload")
INSERT_SUBMISSIONS = Many(SUBMISSIONS, (*SUBMITTED, "created_at"))
# Built once: a statement built per batch costs its construction, and its bind parameters leave
# cyclic garbage behind (the collector's young collections were mostly SQLAlchemy's). The new
# rows need their ids back, which executemany does not give: these go through SQLAlchemy's
# insertmanyvalues (one INSERT ... RETURNING per chunk).
INSERT_ANSWERS = insert(ANSWERS).returning(ANSWERS.c.id, sort_by_parameter_order=True)

Op = Literal["answer", "withdraw"]


@dataclass(frozen=True, slots=True)
class AnswerOp:
    meeting_id: int
    activity_id: int
    participant_id: int
    client_id: str
    op: Op
    slot: str
    payload: dict[str, Any] | None  # validated and normalised; None for a withdrawal
    nickname: str | None = None
    pick: int | None = None  # a scales activity's limit of rated statements
    # Why the room refused it (the activity closed, say): told unless it is a resend.
    refusal: DomainError | None = None
    # The payload as the phone sent it (normalised) when the stored one adds the server's measure
    # (the time it was received): a resend is recognised by what was sent.
    sent: dict[str, Any] | None = None
    locked: bool = False  # the kind's answers cannot be changed once stored

    @property
    def fingerprint(self) -> str:
        sent = self.sent if self.sent is not None else self.payload
        body = json.dumps([self.activity_id, self.op, self.slot, sent], sort_keys=True, ensure_ascii=True)
        return hashlib.sha256(body.encode()).hexdigest()


@dataclass(slots=True)
class OpResult:
    op: AnswerOp
    entry_id: int | None = None
    payload: dict[str, Any] | None = None
    duplicate: bool = False
    error: DomainError | None = None
    twin: OpResult | None = None  # the first copy of a client id sent twice in one batch


@dataclass(slots=True)
class BatchResult:
    results: list[OpResult]
    # Net changes per activity, in the order the batch applied them.
    changes: dict[int, list[Change]] = field(default_factory=dict)
    # (entry id, revision) after each change, by entry id; a withdrawal's is its tombstone.
    versions: dict[int, tuple[int, int]] = field(default_factory=dict)
    # KRING_CHECK_INVARIANTS: the stored answers of the activities touched, read in the batch's
    # own transaction after its writes (None: not checking).
    truth: dict[int, list[StoredAnswer]] | None = None


def commit_batch(session: Session, ops: list[AnswerOp]) -> BatchResult:
    """Store a batch as if its ops came one after another, in order, in one transaction.

    Resends are recognised first (a known client id gets its first ack again); then each op is
    checked against what the ops before it left (a step-in on a word withdrawn just before it is
    refused, one just after it goes along with the word); the net result is written and the net
    change of every row touched comes back, once per row."""
    results = [OpResult(op) for op in ops]
    fresh = []
    for result in _skip_seen_client_ids(session, results):
        if result.op.refusal is not None:
            result.error = result.op.refusal
        else:
            fresh.append(result)
    if not fresh:
        _copy_twins(results)
        return BatchResult(results)

    state = BatchState.load(session, fresh)
    rows = [state.apply(result) for result in fresh]
    changes: dict[int, list[Change]] = defaultdict(list)
    versions: dict[int, tuple[int, int]] = {}
    ended = [(k, s) for k, s in state.slots.items() if s.ended]
    updated = [
        (k, s)
        for k, s in state.slots.items()
        if not s.ended and s.initial is not None and s.initial.payload != s.before
    ]
    # Withdrawn rows go first: a slot emptied and answered again in one batch gets a new row,
    # and the unique (activity, participant, slot) holds after every statement.
    if ended:
        session.execute(
            delete(Answer).where(col(Answer.id).in_([s.initial.id for _, s in ended if s.initial]))
        )
        for key, slot in ended:
            assert slot.initial is not None and slot.initial.id is not None
            entry = slot.initial.id
            versions[entry] = (entry, slot.initial.rev + 1)
            changes[key[0]].append(Change(key[1], key[2], entry, slot.before, None))
    if state.born:
        # Born and withdrawn within the batch (a step-in whose word went just after it): it gets
        # an id for its ack, and is gone before anyone could see it. A slot answered, emptied and
        # answered again in one batch has a row per answer: each generation is written (and its
        # withdrawn rows deleted) before the next, so the unique slot holds after every statement.
        generation: Counter[Key] = Counter()
        generations: dict[int, list[tuple[Key, Row]]] = defaultdict(list)
        for key, row in state.born:
            generations[generation[key]].append((key, row))
            generation[key] += 1
        for _, born in sorted(generations.items()):
            _insert(session, born)
            dead = [row.id for _, row in born if not row.alive]
            if dead:
                session.execute(delete(Answer).where(col(Answer.id).in_(dead)))
        for key, row in state.born:
            if row.alive:
                assert row.id is not None
                versions[row.id] = (row.id, 1)
                changes[key[0]].append(Change(key[1], key[2], row.id, None, row.payload, row.nickname))
    if updated:
        now = utcnow()
        UPDATE_ANSWER.run(
            session,
            [
                (s.initial.payload, s.initial.client_id, s.initial.rev + 1, now, s.initial.id)
                for _, s in updated
                if s.initial is not None
            ],
        )
        for key, slot in updated:
            changed = slot.initial
            assert changed is not None and changed.id is not None
            versions[changed.id] = (changed.id, changed.rev + 1)
            changes[key[0]].append(
                Change(key[1], key[2], changed.id, slot.before, changed.payload, changed.nickname)
            )

    stored = []
    for result, answered in zip(fresh, rows, strict=True):
        if result.error is None:
            result.entry_id = answered.id if answered is not None else None
            stored.append(result)
    _copy_twins(results)
    if stored:
        now = utcnow()
        INSERT_SUBMISSIONS.run(
            session,
            [
                (
                    r.op.participant_id,
                    r.op.client_id,
                    r.op.activity_id,
                    r.op.op,
                    r.op.slot,
                    r.op.fingerprint,
                    r.entry_id,
                    r.op.payload,
                    now,
                )
                for r in stored
            ],
        )
    return BatchResult(results, dict(changes), versions)


def _insert(session: Session, born: list[tuple[Key, Row]]) -> None:
    now = utcnow()
    ids = (
        session.execute(
            INSERT_ANSWERS,
            [
                {
                    "activity_id": k[0],
                    "participant_id": k[1],
                    "slot": k[2],
                    "payload": r.payload,
                    "client_id": r.client_id,
                    "rev": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for k, r in born
            ],
        )
        .scalars()
        .all()
    )
    for (_, row), new_id in zip(born, ids, strict=True):
        assert new_id is not None
        row.id = int(new_id)


def _copy_twins(results: list[OpResult]) -> None:
    """A copy of a client id sent twice in one batch gets what its first copy got."""
    for result in results:
        twin = result.twin
        if twin is None:
            continue
        if twin.error is not None:
            result.error, result.duplicate = twin.error, False
        else:
            result.entry_id = twin.entry_id


def _skip_seen_client_ids(session: Session, results: list[OpResult]) -> list[OpResult]:
    """Resolve resends: a known client id gets its first answer's ack again, counted once."""
    pairs = {(r.op.participant_id, r.op.client_id) for r in results}
    seen: dict[tuple[int, str], Any] = {}
    for chunk in _chunks(sorted(pairs), 400):
        params: dict[str, Any] = {}
        for i, (participant_id, client_id) in enumerate(chunk):
            params[f"p{i}"], params[f"c{i}"] = participant_id, client_id
        rows = session.execute(_seen_query(len(chunk)), params).all()
        seen.update({(row.participant_id, row.client_id): row for row in rows})
    fresh: list[OpResult] = []
    in_batch: dict[tuple[int, str], OpResult] = {}
    for result in results:
        op = result.op
        pair = (op.participant_id, op.client_id)
        earlier = seen.get(pair)
        first = in_batch.get(pair)
        if earlier is not None:
            _mark_duplicate(result, earlier.fingerprint, earlier.entry_id, earlier.payload)
        elif first is not None:
            _mark_duplicate(result, first.op.fingerprint, None, first.op.payload, first)
        else:
            in_batch[pair] = result
            fresh.append(result)
    return fresh


@functools.lru_cache(maxsize=32)
def _seen_query(n: int) -> TextualSelect:
    """Submissions for ``n`` (participant, client id) pairs, as an OR of point lookups: SQLite
    answers a row-value IN by scanning the whole index (27 ms per 400 pairs at 200,000 rows,
    growing with every answer ever given); the OR is one index search per pair (1 ms)."""
    terms = " OR ".join(f"(participant_id = :p{i} AND client_id = :c{i})" for i in range(n))
    c = SUBMISSIONS.c
    return text(
        f"SELECT participant_id, client_id, fingerprint, entry_id, payload FROM {SUBMISSIONS.name} "
        f"WHERE {terms}"
    ).columns(c.participant_id, c.client_id, c.fingerprint, c.entry_id, c.payload)


def _mark_duplicate(
    result: OpResult,
    fingerprint: str,
    entry_id: int | None,
    payload: Mapping[str, Any] | None,
    twin: OpResult | None = None,
) -> None:
    if fingerprint != result.op.fingerprint:
        result.error = DomainError(
            Code.CLIENT_ID_REUSED,
            f"Client id {result.op.client_id!r} was already used for a different answer; "
            "use a new id for a new answer.",
        )
        return
    result.duplicate = True
    result.entry_id = entry_id
    result.payload = dict(payload) if payload is not None else None
    result.twin = twin


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    activity_id: int
    participant_id: int
    slot: str
    entry_id: int
    payload: dict[str, Any]
    nickname: str | None
    rev: int = 1


def load_answers(session: Session, meeting_id: int) -> list[StoredAnswer]:
    """Every stored answer of a meeting, oldest first: what a room rebuilds its tallies from."""
    return _stored(session, col(Activity.meeting_id) == meeting_id)


def load_activity_answers(session: Session, activity_ids: Iterable[int]) -> list[StoredAnswer]:
    """Every stored answer of these activities, oldest first (the invariant check's recount)."""
    return _stored(session, col(Answer.activity_id).in_(sorted(set(activity_ids))))


def _stored(session: Session, where: Any) -> list[StoredAnswer]:
    rows = session.execute(
        select(
            col(Answer.activity_id),
            col(Answer.participant_id),
            col(Answer.slot),
            col(Answer.id),
            col(Answer.payload),
            col(Participant.nickname),
            col(Answer.rev),
        )
        .join(Activity, col(Activity.id) == col(Answer.activity_id))
        .join(Participant, col(Participant.id) == col(Answer.participant_id))
        .where(where)
        .order_by(col(Answer.id))
    ).all()
    return [
        StoredAnswer(int(r[0]), int(r[1]), str(r[2]), int(r[3]), dict(r[4]), r[5], int(r[6])) for r in rows
    ]


def commit_and_recount(session: Session, ops: list[AnswerOp]) -> BatchResult:
    """``commit_batch``, and what the database then holds for the activities it touched."""
    batch = commit_batch(session, ops)
    touched = {r.op.activity_id for r in batch.results}
    batch.truth = {activity_id: [] for activity_id in touched}
    for answer in load_activity_answers(session, touched):
        batch.truth[answer.activity_id].append(answer)
    return batch
