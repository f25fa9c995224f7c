"""Where the batchers' commits run: on the database threads, or in a writer process of their own.

``KRING_BATCH_WRITER=thread`` commits each batch on a thread of this process (``Database.run``).
Those threads share the interpreter lock with the event loop: at thousands of answers a second
the batch's reads, writes and commit take a third of a core that the loop then waits for.
``process`` sends the batch as plain tuples over a socket to a writer process with its own engine
(server/services/writer_process.py), which commits it and sends back what the acks and rooms
need. Each batch is still one transaction, committed in the order they were sent.

If the writer process dies, the batches sent to it fail with ``WriterLost``: nobody is
acknowledged (phones resend; the client id makes the resend count once), and since the last
batch may have been committed before the process died, the answer batcher's rooms reload from
the database. A new writer is started at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from server.db.database import Database
from server.services import writer_wire as wire
from server.services.answers import AnswerOp, BatchResult, commit_and_recount, commit_batch
from server.services.participants import Joined, JoinRequest, join_batch

log = logging.getLogger("kring.writer")
T = TypeVar("T")


class WriterFailed(Exception):
    """The batch was not stored (it failed, or no writer was there to take it)."""


class WriterLost(WriterFailed):
    """The writer process ended while it had the batch: it may have been committed, or not."""


class Writer(Protocol):
    name: str

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def answers(self, ops: list[AnswerOp], *, recount: bool = False) -> BatchResult: ...

    async def joins(self, requests: list[JoinRequest]) -> list[Joined]: ...


class ThreadWriter:
    """Commits on the database's threads, in this process."""

    name = "thread"

    def __init__(self, db: Database) -> None:
        self._db = db

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def answers(self, ops: list[AnswerOp], *, recount: bool = False) -> BatchResult:
        return await self._db.run(commit_and_recount if recount else commit_batch, ops)

    async def joins(self, requests: list[JoinRequest]) -> list[Joined]:
        return await self._db.run(join_batch, requests)


class _Child:
    """One writer process and this end of its socket."""

    def __init__(
        self, process: subprocess.Popen[bytes], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.process = process
        self.reader = reader
        self.writer = writer
        self.pending: deque[asyncio.Future[Any]] = deque()


class ProcessWriter:
    """Commits in a writer process; started with the app, restarted when it dies."""

    name = "process"

    def __init__(
        self,
        database_url: str,
        *,
        synchronous: str = "normal",
        start_seconds: float = 60.0,
        wait_seconds: float = 10.0,
    ) -> None:
        self.database_url = database_url
        self.synchronous = synchronous  # SQLite's, as the server's own engine has it
        self.start_seconds = start_seconds
        self.wait_seconds = wait_seconds  # how long a batch waits for a writer being (re)started
        self.restarts = 0
        self._child: _Child | None = None
        self._ready = asyncio.Event()
        self._reading: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def pid(self) -> int | None:
        return self._child.process.pid if self._child is not None else None

    async def start(self) -> None:
        await self._spawn()

    async def _spawn(self) -> None:
        mine, theirs = socket.socketpair()
        # Its own interpreter, started afresh (no fork of a threaded server); the URL goes in its
        # environment, not on its command line, where `ps` would show a password.
        command = [sys.executable, "-m", "server.services.writer_process", str(theirs.fileno())]
        try:
            process = await asyncio.to_thread(
                subprocess.Popen,
                command,
                pass_fds=(theirs.fileno(),),
                env={
                    **os.environ,
                    "KRING_DATABASE_URL": self.database_url,
                    "KRING_SQLITE_SYNCHRONOUS": self.synchronous,
                },
            )
        finally:
            theirs.close()
        reader, writer = await asyncio.open_unix_connection(sock=mine)
        try:
            async with asyncio.timeout(self.start_seconds):
                hello = wire.loads(await _frame(reader))
        except BaseException:
            writer.close()
            process.kill()
            await asyncio.to_thread(process.wait)
            raise
        if hello[0] != "ready":  # pragma: no cover - "ready" is the only first word
            raise RuntimeError(f"the writer process said {hello!r}")
        child = _Child(process, reader, writer)
        self._child = child
        self._reading = asyncio.create_task(self._read(child), name="kring-writer-replies")
        self._ready.set()
        log.info("writer process %s started", process.pid)

    async def close(self) -> None:
        """Let the batches sent finish, then end the process (it ends at the socket's close)."""
        self._closing = True
        if self._child is None and self._reading is not None:
            # A restart on its way (the writer died just before): it starts no other once closing,
            # but the process it is starting is closed below, not left running after the server.
            with contextlib.suppress(Exception):
                await self._reading
        child = self._child
        if child is None:
            return
        while child.pending:
            with contextlib.suppress(Exception):
                await asyncio.shield(child.pending[-1])
        child.writer.close()
        if self._reading is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reading
        await _reap(child.process, 10)
        self._child = None

    async def answers(self, ops: list[AnswerOp], *, recount: bool = False) -> BatchResult:
        out = await self._ask(("answers", (recount, wire.op_rows(ops))))
        return wire.batch_from(ops, out)

    async def joins(self, requests: list[JoinRequest]) -> list[Joined]:
        return wire.joined_from(await self._ask(("joins", wire.join_rows(requests))))

    async def _ask(self, request: tuple[str, Any]) -> Any:
        if self._closing and self._child is None:
            raise WriterFailed("the writer process is stopped")
        if not self._ready.is_set():
            try:
                async with asyncio.timeout(self.wait_seconds):
                    await self._ready.wait()
            except TimeoutError:
                raise WriterFailed("no writer process is running") from None
        child = self._child
        assert child is not None
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        child.pending.append(future)
        child.writer.write(wire.dumps(request))
        status, body = await asyncio.shield(future)
        if status != "ok":
            raise WriterFailed(f"the writer process refused the batch: {body}")
        return body

    async def _read(self, child: _Child) -> None:
        """The replies, in the order the requests went; when the process ends, what it had fails
        and (unless the server is stopping) a new one is started."""
        try:
            while True:
                reply = wire.loads(await _frame(child.reader))
                child.pending.popleft().set_result(reply)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        self._ready.clear()
        lost = WriterLost("the writer process ended during the batch")
        while child.pending:
            future = child.pending.popleft()
            if not future.done():
                future.set_exception(lost)
        await _reap(child.process, 5)
        if self._closing:
            return
        process = child.process
        log.error("writer process %s ended (exit code %s); starting another", process.pid, process.returncode)
        child.writer.close()
        self._child = None
        asyncio.get_running_loop().call_soon(self._restart)

    def _restart(self) -> None:
        self.restarts += 1
        self._reading = asyncio.create_task(self._respawn(), name="kring-writer-restart")

    async def _respawn(self) -> None:
        delay = 0.1
        while not self._closing:
            try:
                await self._spawn()
                return
            except Exception:
                log.exception("starting the writer process failed; trying again in %.1f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)


async def _reap(process: subprocess.Popen[bytes], seconds: float) -> None:
    """Wait for the process to end (it ends at the socket's close); kill it if it does not."""
    try:
        await asyncio.to_thread(process.wait, seconds)
    except subprocess.TimeoutExpired:  # pragma: no cover - it ends at the socket's close
        process.kill()
        await asyncio.to_thread(process.wait)


async def _frame(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readexactly(wire.HEADER)
    return await reader.readexactly(int.from_bytes(head, "big"))


def make_writer(kind: str, db: Database, database_url: str, synchronous: str = "normal") -> Writer:
    makers: dict[str, Callable[[], Writer]] = {
        "thread": lambda: ThreadWriter(db),
        "process": lambda: ProcessWriter(database_url, synchronous=synchronous),
    }
    return makers[kind]()
