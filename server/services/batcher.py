"""Group commit: a lone answer (or join) commits at once; those arriving during a commit share the next."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from server.db.database import Database
from server.domain.errors import Code, DomainError
from server.services.answers import AnswerOp, BatchResult, OpResult
from server.services.participants import Joined, JoinRequest
from server.services.writer import ThreadWriter, Writer, WriterLost

log = logging.getLogger("kring.batcher")

OnCommit = Callable[[BatchResult], Awaitable[None] | None]
OnLost = Callable[[], Awaitable[None]]
Req = TypeVar("Req")
Res = TypeVar("Res")


class GroupCommit(Generic[Req, Res]):
    """Group commit, off the event loop; each caller resumes only once its request is stored.

    A request that finds the batcher idle (nothing queued, no commit in flight) is committed at
    once: a lone answer does not wait for companions. Requests arriving while a commit is in flight
    form the next batch (up to ``max_batch``), committed when that commit ends and ``window``
    seconds after the first of them arrived; commits take longer than the window, so under load
    the window rarely adds a wait, and it only keeps batches from shrinking when commits are fast.
    """

    name = "kring-group-commit"

    def __init__(
        self,
        db: Database,
        *,
        window: float = 0.003,
        max_batch: int = 500,
        writer: Writer | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._db = db
        # Where the commits run (server/services/writer.py): this process's threads by default.
        self._writer: Writer = writer or ThreadWriter(db)
        self.window = window
        # How many requests an idle batcher waits for beside its first: 0, a lone request is not
        # held back (the tests that need several messages in one batch set it, and get them in one
        # batch however long a loaded machine takes to deliver them).
        self.companions = 0
        self._max = max_batch
        self._clock = clock
        self._sleep = sleep
        self._queue: asyncio.Queue[tuple[Req, asyncio.Future[Res]]] = asyncio.Queue()
        # When the oldest request still queued arrived (set by the one that found the queue empty).
        self._first_at = 0.0
        self._task: asyncio.Task[None] | None = None
        self.batches = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Commit what is pending, then stop."""
        if self._task is None:
            return
        await self._queue.join()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def submit(self, request: Req) -> Res:
        future: asyncio.Future[Res] = asyncio.get_running_loop().create_future()
        if self._queue.empty():
            self._first_at = self._clock()
        self._queue.put_nowait((request, future))
        return await asyncio.shield(future)

    async def _run(self) -> None:
        committed = False
        while True:
            if committed and not self._queue.empty():
                # Queued while the last commit ran: under load, a batch gathers for the window.
                wait = self._first_at + self.window - self._clock()
                if wait > 0:
                    await self._sleep(wait)
                batch = [self._queue.get_nowait()]
            else:
                # Idle: the first request is committed at once, with whatever came in this moment.
                batch = [await self._queue.get()]
                while self._queue.qsize() < self.companions:
                    await asyncio.sleep(0.001)
            while len(batch) < self._max:
                try:
                    batch.append(self._queue.get_nowait())
                except asyncio.QueueEmpty:
                    break
            try:
                await self._commit(batch)
            finally:
                committed = True
                for _ in batch:
                    self._queue.task_done()

    async def _commit(self, batch: list[tuple[Req, asyncio.Future[Res]]]) -> None:
        raise NotImplementedError


class AnswerBatcher(GroupCommit[AnswerOp, OpResult]):
    """Collects answers, commits them together off the event loop, then resolves each caller.

    Callers are answered only after the commit (an acknowledgement means stored), and the
    ``on_commit`` hook sees the batch's tally changes exactly once, before any caller resumes.
    """

    name = "kring-batcher"

    def __init__(
        self,
        db: Database,
        on_commit: OnCommit,
        *,
        window: float = 0.003,
        max_batch: int = 500,
        writes: asyncio.Lock | None = None,
        recount: bool = False,
        writer: Writer | None = None,
        on_lost: OnLost | None = None,
    ) -> None:
        super().__init__(db, window=window, max_batch=max_batch, writer=writer)
        self._on_commit = on_commit
        # A batch whose writer process died may have been committed all the same: the rooms
        # then rebuild themselves from the database (``Hub.writes_lost``).
        self._on_lost = on_lost
        # Held from the commit until its changes are applied: other writers of answer rows (a
        # reset) take it too, so rooms apply answer writes in the order they were committed.
        self._writes = writes or asyncio.Lock()
        self._recount = recount
        self.committed = 0

    async def _commit(self, batch: list[tuple[AnswerOp, asyncio.Future[OpResult]]]) -> None:
        ops = [op for op, _ in batch]
        async with self._writes:
            try:
                result = await self._writer.answers(ops, recount=self._recount)
            except Exception as exc:
                if isinstance(exc, WriterLost):
                    log.error("answer batch of %d not acknowledged: %s", len(ops), exc)
                    if self._on_lost is not None:
                        try:
                            await self._on_lost()
                        except Exception:
                            log.exception("reloading the rooms after a lost batch failed")
                else:
                    log.exception("answer batch of %d failed; nothing stored", len(ops))
                failed = DomainError(Code.STORAGE_FAILED, "Your answer could not be stored; resend it.")
                for op, future in batch:
                    if not future.done():
                        future.set_result(OpResult(op, error=failed))
                return
            self.batches += 1
            self.committed += len(ops)
            try:
                maybe = self._on_commit(result)
                if maybe is not None:
                    await maybe
            except Exception:
                log.exception("publishing a committed batch failed")
        for (_, future), op_result in zip(batch, result.results, strict=True):
            if not future.done():
                future.set_result(op_result)


class JoinBatcher(GroupCommit[JoinRequest, Joined]):
    """Joins that arrive together share one transaction: with SQLite's fsync per commit, one
    transaction per join caps a join storm at the disk's commit rate (~70/s here)."""

    name = "kring-join-batcher"

    async def _commit(self, batch: list[tuple[JoinRequest, asyncio.Future[Joined]]]) -> None:
        try:
            joined = await self._writer.joins([request for request, _ in batch])
        except Exception:
            log.exception("join batch of %d failed; nobody joined", len(batch))
            failed = DomainError(Code.STORAGE_FAILED, "Joining could not be stored; try again.")
            for _, future in batch:
                if not future.done():
                    future.set_exception(failed)
            return
        self.batches += 1
        for (_, future), result in zip(batch, joined, strict=True):
            if not future.done():
                future.set_result(result)
