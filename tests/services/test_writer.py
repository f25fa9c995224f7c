"""The writer process: batches committed there as on the threads, and a writer that dies fails
what it had (nobody acknowledged), is replaced, and the resends are stored exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from server.db.database import Database
from server.db.engine import make_engine
from server.db.tables import Answer, Participant, Submission
from server.domain.errors import Code, DomainError
from server.services import meetings, participants
from server.services.answers import AnswerOp, OpResult
from server.services.batcher import AnswerBatcher, JoinBatcher
from server.services.participants import JoinRequest
from server.services.writer import ProcessWriter, ThreadWriter, Writer, WriterFailed, WriterLost


@pytest.fixture
def db(database_url: str) -> Any:
    database = Database(make_engine(database_url))
    yield database
    database.close()


@pytest.fixture(params=["thread", "process"])
async def writer(request: pytest.FixtureRequest, db: Database, database_url: str) -> AsyncIterator[Writer]:
    made: Writer = ThreadWriter(db) if request.param == "thread" else ProcessWriter(database_url)
    await made.start()
    yield made
    await made.close()


def setup(db: Database, kind: str = "checkout", people: int = 3) -> tuple[int, int, list[int]]:
    def make(session: Session) -> tuple[int, int, list[int]]:
        created = meetings.create_meeting(session, "Test", "Inclusie", "nl")
        activity, _ = meetings.add_activity(session, created.meeting.id, kind)
        joined = [participants.join(session, created.meeting.id, None, f"p{i}") for i in range(people)]
        return created.meeting.id, activity.id, [j.participant_id for j in joined]

    return db.transaction(make)


def op(
    m: int, a: int, p: int, client_id: str, slot: str, payload: dict[str, Any] | None, **kw: Any
) -> AnswerOp:
    return AnswerOp(m, a, p, client_id, "answer" if payload is not None else "withdraw", slot, payload, **kw)


def count(db: Database, model: Any) -> int:
    return db.transaction(lambda s: int(s.scalar(select(func.count()).select_from(model)) or 0))


async def test_writer_commits_a_batch_and_reports_what_the_acks_and_rooms_need(
    db: Database, writer: Writer
) -> None:
    m, a, (p, q, r) = setup(db)
    word = (await writer.answers([op(m, a, p, "w1", "word", {"word": "Moe"}, nickname="Ans")])).results[0]
    assert word.error is None and word.entry_id is not None and not word.duplicate
    closed = DomainError(Code.ACTIVITY_CLOSED, "closed")
    batch = await writer.answers(
        [
            op(m, a, q, "s1", f"in:{word.entry_id}", {}),
            op(m, a, q, "s1", f"in:{word.entry_id}", {}),  # the same client id twice in one batch
            op(m, a, p, "s2", f"in:{word.entry_id}", {}),  # on one's own word: refused
            op(m, a, p, "w1", "word", {"word": "Moe"}),  # a resend: its first ack again
            op(m, a, p, "w2", "word", {"word": "Blij"}, nickname="Ans"),  # replaces the word
            op(m, a, r, "x1", "word", {"word": "Later"}, refusal=closed),  # the room refused it
        ],
        recount=True,
    )
    first, twin, own, resent, replaced, refused = batch.results
    assert first.error is None and first.entry_id is not None and not first.duplicate
    assert twin.duplicate and twin.entry_id == first.entry_id and twin.payload == {}
    assert own.error is not None and own.error.code == Code.OWN_WORD
    assert resent.duplicate and resent.entry_id == word.entry_id and resent.payload == {"word": "Moe"}
    assert replaced.entry_id == word.entry_id and replaced.payload == {"word": "Blij"}
    assert refused.error is closed  # the room's own refusal, as it made it
    changes = batch.changes[a]
    assert sorted(((c.participant, c.slot, c.old, c.new) for c in changes), key=str) == sorted(
        [(q, f"in:{word.entry_id}", None, {}), (p, "word", {"word": "Moe"}, {"word": "Blij"})], key=str
    )
    assert batch.versions[word.entry_id] == (word.entry_id, 2)
    assert batch.truth is not None
    assert sorted((s.participant_id, s.slot, s.rev) for s in batch.truth[a]) == sorted(
        [(p, "word", 2), (q, f"in:{word.entry_id}", 1)]
    )
    assert count(db, Answer) == 2 and count(db, Submission) == 3


async def test_writer_commits_joins(db: Database, writer: Writer) -> None:
    m, _, _ = setup(db, people=0)
    joined = await writer.joins([JoinRequest(m, None, "Bram", True), JoinRequest(m, None, None, False)])
    assert [j.nickname for j in joined] == ["Bram", None] and all(j.token for j in joined)
    again = await writer.joins([JoinRequest(m, joined[0].token, "Bas", True)])
    assert (again[0].participant_id, again[0].token, again[0].nickname) == (
        joined[0].participant_id,
        None,
        "Bas",
    )
    assert count(db, Participant) == 2


async def test_batchers_go_through_the_writer(db: Database, writer: Writer) -> None:
    m, a, people = setup(db, kind="open", people=20)
    seen: list[int] = []
    answers = AnswerBatcher(db, lambda b: seen.append(len(b.results)), window=0.01, writer=writer)
    joins = JoinBatcher(db, window=0.01, writer=writer)
    answers.start()
    joins.start()
    try:
        acks = await asyncio.gather(
            *(answers.submit(op(m, a, p, f"c{p}", "0", {"text": f"t{p}"})) for p in people)
        )
        joined = await asyncio.gather(*(joins.submit(JoinRequest(m, None, f"n{i}", True)) for i in range(20)))
    finally:
        await answers.stop()
        await joins.stop()
    assert all(ack.error is None and ack.entry_id for ack in acks)
    assert sum(seen) == 20 and answers.batches < 20
    assert len({j.participant_id for j in joined}) == 20 and joins.batches < 20
    assert count(db, Answer) == 20


async def _wait(predicate: Any, seconds: float = 60.0) -> None:
    async with asyncio.timeout(seconds):
        while not predicate():
            await asyncio.sleep(0.02)


async def test_a_dead_writer_fails_its_batch_is_replaced_and_the_resend_counts_once(
    db: Database, database_url: str
) -> None:
    m, a, (p, q, _) = setup(db, kind="open")
    writer = ProcessWriter(database_url)
    await writer.start()
    lost: list[int] = []

    async def on_lost() -> None:
        lost.append(1)

    batcher = AnswerBatcher(db, lambda _: None, window=0, writer=writer, on_lost=on_lost)
    batcher.start()
    try:
        acked = await batcher.submit(op(m, a, p, "c1", "0", {"text": "stored"}))
        assert acked.error is None
        first = writer.pid
        assert first is not None
        # The batch reaches the socket while the writer cannot take it; then the writer dies.
        os.kill(first, signal.SIGSTOP)
        in_flight = asyncio.ensure_future(batcher.submit(op(m, a, q, "c2", "0", {"text": "in flight"})))
        await asyncio.sleep(0.2)
        assert not in_flight.done()
        os.kill(first, signal.SIGKILL)
        failed: OpResult = await in_flight
        assert failed.error is not None and failed.error.code == Code.STORAGE_FAILED  # no ack
        assert lost == [1]  # the rooms were told to reload
        await _wait(lambda: writer.pid not in (None, first))
        assert writer.restarts == 1
        # The phone resends: stored once; the acknowledged answer is still there, once.
        resent = await batcher.submit(op(m, a, q, "c2", "0", {"text": "in flight"}))
        again = await batcher.submit(op(m, a, p, "c1", "0", {"text": "stored"}))
    finally:
        await batcher.stop()
        await writer.close()
    assert resent.error is None and resent.entry_id is not None
    assert again.duplicate and again.entry_id == acked.entry_id
    stored = db.transaction(lambda s: sorted(s.scalars(select(Answer.payload)).all(), key=str))
    assert stored == [{"text": "in flight"}, {"text": "stored"}]


async def test_a_batch_without_a_writer_to_take_it_fails(database_url: str) -> None:
    writer = ProcessWriter(database_url, wait_seconds=0.05)  # not started
    with pytest.raises(WriterFailed) as failed:
        await writer.answers([])
    assert not isinstance(failed.value, WriterLost)  # not sent: certainly not stored


async def test_a_writer_closed_while_it_restarts_leaves_no_process_or_task_behind(database_url: str) -> None:
    # The server stops in the moment its writer died: the restart is on its way (a new process
    # starting), and close() must end that one too, not leave a task to start a writer after it.
    writer = ProcessWriter(database_url)
    await writer.start()
    first = writer.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    await _wait(lambda: writer.restarts == 1)  # the restart began (its process takes a while)
    await writer.close()
    left = [
        t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith("kring-writer") and not t.done()
    ]
    assert left == [] and writer.pid is None
