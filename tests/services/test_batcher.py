"""Group commit: a lone request is committed at once; those arriving during a commit share the next."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from server.db.database import Database
from server.db.engine import make_engine
from server.db.tables import Participant
from server.services import meetings
from server.services.batcher import GroupCommit, JoinBatcher
from server.services.participants import JoinRequest


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Recorder(GroupCommit[str, str]):
    """Records each batch; a commit holds until the test lets it end."""

    def __init__(self, clock: FakeClock, *, window: float = 60.0, max_batch: int = 500) -> None:
        nothing = cast(Database, None)  # _commit below touches no database
        super().__init__(nothing, window=window, max_batch=max_batch, clock=clock, sleep=clock.sleep)
        self.seen: list[list[str]] = []
        self.in_flight = asyncio.Event()
        self.gate = asyncio.Event()
        self.gate.set()

    async def _commit(self, batch: list[tuple[str, asyncio.Future[str]]]) -> None:
        self.seen.append([request for request, _ in batch])
        self.in_flight.set()
        await self.gate.wait()
        for request, future in batch:
            future.set_result(request.upper())


async def queued(batcher: Recorder, n: int) -> None:
    """Until ``n`` requests wait in the batcher's queue (the submitting tasks have run)."""
    while batcher._queue.qsize() < n:
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def test_group_commit_a_lone_request_does_not_wait_for_the_window(clock: FakeClock) -> None:
    batcher = Recorder(clock, window=60.0)
    batcher.start()
    try:
        assert await batcher.submit("a") == "A"
        assert await batcher.submit("b") == "B"  # the batcher is idle again
    finally:
        await batcher.stop()
    assert batcher.seen == [["a"], ["b"]]
    assert clock.slept == []


async def test_group_commit_requests_arriving_during_a_commit_form_the_next_batch(clock: FakeClock) -> None:
    batcher = Recorder(clock, window=0.003, max_batch=2)
    batcher.gate.clear()
    batcher.start()
    try:
        first = asyncio.ensure_future(batcher.submit("a"))
        await batcher.in_flight.wait()
        later = [asyncio.ensure_future(batcher.submit(r)) for r in ("b", "c", "d")]
        await queued(batcher, 3)
        clock.now += 0.010  # the commit took longer than the window
        batcher.gate.set()
        assert await asyncio.gather(first, *later) == ["A", "B", "C", "D"]
    finally:
        await batcher.stop()
    # The window had passed since "b" arrived: no wait; the batch size still bounds each batch.
    assert batcher.seen == [["a"], ["b", "c"], ["d"]]
    assert clock.slept == []


async def test_group_commit_under_load_a_batch_gathers_for_the_window(clock: FakeClock) -> None:
    batcher = Recorder(clock, window=0.003)
    batcher.gate.clear()
    batcher.start()
    try:
        first = asyncio.ensure_future(batcher.submit("a"))
        await batcher.in_flight.wait()
        second = asyncio.ensure_future(batcher.submit("b"))
        await queued(batcher, 1)
        clock.now += 0.001  # a commit faster than the window
        batcher.gate.set()
        assert await asyncio.gather(first, second) == ["A", "B"]
    finally:
        await batcher.stop()
    assert batcher.seen == [["a"], ["b"]]
    assert clock.slept == [pytest.approx(0.002)]  # the rest of the window since "b" arrived


@pytest.fixture
def db(database_url: str) -> Any:
    database = Database(make_engine(database_url))
    yield database
    database.close()


async def test_join_batcher_commits_a_lone_join_without_the_window(db: Database, clock: FakeClock) -> None:
    meeting_id = db.transaction(lambda s: meetings.create_meeting(s, "T", "", "nl").meeting.id)
    batcher = JoinBatcher(db, window=60.0, clock=clock, sleep=clock.sleep)
    batcher.start()
    try:
        joined = await batcher.submit(JoinRequest(meeting_id, None, "Ans", True))
    finally:
        await batcher.stop()
    assert joined.nickname == "Ans"
    assert (batcher.batches, clock.slept) == (1, [])

    def count(session: Session) -> int:
        return int(session.scalar(select(func.count()).select_from(Participant)) or 0)

    assert db.transaction(count) == 1
