"""Storing answers in batches: idempotent, exact deltas, uniqueness kept by the database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from server.db.engine import make_engine
from server.db.tables import Answer, Submission
from server.services import meetings, participants
from server.services import writer_wire as wire
from server.services.answers import AnswerOp, BatchResult, commit_batch, load_answers

_COMMIT_HERE = commit_batch


def _across_the_pipe(session: Session, ops: list[AnswerOp]) -> BatchResult:
    """``commit_batch`` as the writer process runs it: the ops go there, and the outcome comes
    back, as pickled tuples (server/services/writer_wire.py)."""
    there = wire.ops_from(wire.loads(wire.dumps(wire.op_rows(ops))[wire.HEADER :]))
    out = wire.batch_out(_COMMIT_HERE(session, there))
    return wire.batch_from(ops, wire.loads(wire.dumps(out)[wire.HEADER :]))


@pytest.fixture(autouse=True, params=["here", "across the pipe"])
def _commit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test twice: as the database threads commit a batch, and as the writer process does."""
    if request.param != "here":
        monkeypatch.setattr(f"{__name__}.commit_batch", _across_the_pipe)


@pytest.fixture
def session(database_url: str) -> Any:
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def setup_meeting(session: Session, kind: str = "open", **settings: Any) -> tuple[int, int, list[int]]:
    created = meetings.create_meeting(session, "Test", "Inclusie", "nl")
    activity, _ = meetings.add_activity(session, created.meeting.id, kind, settings=settings or None)
    people = [participants.join(session, created.meeting.id, None, f"p{i}").participant_id for i in range(3)]
    session.commit()
    return created.meeting.id, activity.id, people


def op(
    meeting: int,
    activity: int,
    person: int,
    client_id: str,
    slot: str = "0",
    payload: dict[str, Any] | None = None,
    kind: str = "answer",
) -> AnswerOp:
    return AnswerOp(meeting, activity, person, client_id, kind, slot, payload)  # type: ignore[arg-type]


def rows(session: Session, model: Any = Answer) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_commit_batch_resend_is_acknowledged_again_and_stored_once(session: Session) -> None:
    m, a, (p, *_) = setup_meeting(session)
    first = commit_batch(session, [op(m, a, p, "c1", payload={"text": "hallo"})])
    session.commit()
    again = commit_batch(session, [op(m, a, p, "c1", payload={"text": "hallo"})])
    session.commit()
    assert first.results[0].entry_id == again.results[0].entry_id
    assert again.results[0].duplicate and not again.changes
    assert rows(session) == 1 and rows(session, Submission) == 1


def test_commit_batch_reused_client_id_with_other_payload_is_refused(session: Session) -> None:
    m, a, (p, *_) = setup_meeting(session)
    commit_batch(session, [op(m, a, p, "c1", payload={"text": "hallo"})])
    session.commit()
    result = commit_batch(session, [op(m, a, p, "c1", payload={"text": "anders"})]).results[0]
    assert result.error is not None and result.error.code == "client_id_reused"


def test_commit_batch_duplicate_within_one_batch_counts_once(session: Session) -> None:
    m, a, (p, *_) = setup_meeting(session)
    same = op(m, a, p, "c1", payload={"text": "hallo"})
    batch = commit_batch(session, [same, same])
    session.commit()
    assert [r.duplicate for r in batch.results] == [False, True]
    assert batch.results[0].entry_id == batch.results[1].entry_id is not None
    assert len(batch.changes[a]) == 1 and rows(session) == 1


def test_commit_batch_replacement_keeps_entry_and_reports_old_value(session: Session) -> None:
    m, a, (p, *_) = setup_meeting(session)
    first = commit_batch(session, [op(m, a, p, "c1", payload={"text": "een"})])
    session.commit()
    second = commit_batch(session, [op(m, a, p, "c2", payload={"text": "twee"})])
    session.commit()
    (change,) = second.changes[a]
    assert change.entry_id == first.results[0].entry_id
    assert (change.old, change.new) == ({"text": "een"}, {"text": "twee"})
    assert rows(session) == 1


def test_commit_batch_several_ops_on_one_slot_give_one_net_change(session: Session) -> None:
    m, a, (p, q, _) = setup_meeting(session)
    batch = commit_batch(
        session,
        [
            op(m, a, p, "c1", payload={"text": "een"}),
            op(m, a, p, "c2", payload={"text": "twee"}),
            op(m, a, q, "c3", payload={"text": "drie"}),
            op(m, a, q, "c4", kind="withdraw"),
        ],
    )
    session.commit()
    assert [(c.participant, c.old, c.new) for c in batch.changes[a]] == [(p, None, {"text": "twee"})]
    assert rows(session) == 1


def test_commit_batch_withdraw_removes_row(session: Session) -> None:
    m, a, (p, *_) = setup_meeting(session)
    stored = commit_batch(session, [op(m, a, p, "c1", payload={"text": "een"})])
    session.commit()
    gone = commit_batch(session, [op(m, a, p, "c2", kind="withdraw")])
    session.commit()
    (change,) = gone.changes[a]
    assert change.entry_id == stored.results[0].entry_id and change.new is None
    assert rows(session) == 0


def test_commit_batch_withdrawn_checkout_word_takes_step_ins_along(session: Session) -> None:
    m, a, (p, q, r) = setup_meeting(session, "checkout")
    word = commit_batch(session, [op(m, a, p, "w", "word", {"word": "verbinding"})]).results[0]
    session.commit()
    slot = f"in:{word.entry_id}"
    commit_batch(session, [op(m, a, q, "s1", slot, {}), op(m, a, r, "s2", slot, {})])
    session.commit()
    batch = commit_batch(session, [op(m, a, p, "x", "word", kind="withdraw")])
    session.commit()
    assert sorted((c.slot, c.new) for c in batch.changes[a]) == [(slot, None), (slot, None), ("word", None)]
    assert rows(session) == 0


def test_answer_table_allows_one_row_per_participant_and_slot(session: Session) -> None:
    m, a, (p, *_) = setup_meeting(session)
    commit_batch(session, [op(m, a, p, "c1", payload={"text": "een"})])
    session.commit()
    session.add(Answer(activity_id=a, participant_id=p, slot="0", payload={"text": "x"}, client_id="z"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_load_answers_returns_rows_with_nicknames(session: Session) -> None:
    m, a, (p, q, _) = setup_meeting(session)
    commit_batch(
        session, [op(m, a, p, "c1", payload={"text": "een"}), op(m, a, q, "c2", payload={"text": "twee"})]
    )
    session.commit()
    loaded = load_answers(session, m)
    assert [(x.participant_id, x.payload["text"], x.nickname) for x in loaded] == [
        (p, "een", "p0"),
        (q, "twee", "p1"),
    ]


@pytest.mark.parametrize("step_in_first", [True, False])
def test_commit_batch_step_in_racing_its_words_withdrawal_applies_in_order(
    session: Session, step_in_first: bool
) -> None:
    """One batch, two people: B steps in on A's word while A withdraws it. In arrival order: a
    step-in first is acknowledged and goes along with the word; after it, refused."""
    m, a, (owner, stepper, _) = setup_meeting(session, "checkout")
    word = commit_batch(session, [op(m, a, owner, "a1", "word", {"word": "Moe"})]).results[0].entry_id
    session.commit()
    withdraw = op(m, a, owner, "a2", "word", kind="withdraw")
    step_in = op(m, a, stepper, "b1", f"in:{word}", {})
    batch = commit_batch(session, [step_in, withdraw] if step_in_first else [withdraw, step_in])
    session.commit()
    stepped = next(r for r in batch.results if r.op.client_id == "b1")
    if step_in_first:
        assert stepped.error is None and stepped.entry_id is not None
    else:
        assert stepped.error is not None and stepped.error.code == "unknown_word"
    assert rows(session) == 0
    # Net changes, once per row: the word withdrawn, nothing of a step-in that did not outlive the batch.
    assert [(c.slot, c.old is not None, c.new is not None) for c in batch.changes[a]] == [
        ("word", True, False)
    ]
    again = commit_batch(session, [step_in]).results[0]  # the resend gets what the first copy got
    if step_in_first:
        assert again.duplicate and again.entry_id == stepped.entry_id
    else:
        assert again.error is not None and again.error.code == "unknown_word"


def test_commit_batch_slot_answered_emptied_and_answered_again_gets_a_new_row(session: Session) -> None:
    m, a, (p, other, _) = setup_meeting(session, "checkout")
    word = commit_batch(session, [op(m, a, other, "o1", "word", {"word": "Rust"})]).results[0].entry_id
    session.commit()
    batch = commit_batch(
        session,
        [
            op(m, a, p, "c1", f"in:{word}", {}),
            op(m, a, p, "c2", f"in:{word}", kind="withdraw"),
            op(m, a, p, "c3", f"in:{word}", {}),
            op(m, a, p, "c4", f"in:{word}", kind="withdraw"),
            op(m, a, p, "c5", f"in:{word}", {}),
        ],
    )
    session.commit()
    assert [r.error for r in batch.results] == [None] * 5
    ids = [batch.results[i].entry_id for i in (0, 2, 4)]
    assert len(set(ids)) == 3 and all(ids)
    stored = session.scalars(select(Answer).where(Answer.participant_id == p)).all()
    assert [(s.id, s.slot) for s in stored] == [(ids[2], f"in:{word}")]
    assert [(c.entry_id, c.new) for c in batch.changes[a]] == [(ids[2], {})]
