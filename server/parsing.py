"""Facilitators' own templates are parsed in a worker process with a time limit, off the event loop.

Reading YAML is pure Python: a 1 MB file takes seconds of CPU. On the event loop that is seconds
in which no phone is answered; in a thread it still holds the GIL for most of them, and a thread
cannot be stopped, so a runaway parse would run on and hostile requests would pile up threads.
A process can be killed: each parse has ``seconds`` to finish, or its worker is killed (and a
new one started for the next), and the template is refused as taking too long. At most
``workers`` parses run at once and at most ``queue`` more wait (each for at most ``seconds``);
past that the request is refused with ``busy`` at once. The loader's own bounds (size, depth,
blocks, activities, values) stop most hostile files in milliseconds; the time limit is for
what they do not foresee.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
from multiprocessing.process import BaseProcess

from server.domain.errors import Code, DomainError
from server.draaiboek import Template, TemplateError
from server.parseworker import Reply, serve
from server.text import N_

log = logging.getLogger("kring")

_Reply = Reply


class _Worker:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=serve, args=(child,), daemon=True)
        self.process.start()
        child.close()
        if self.conn.recv() != "ready":  # pragma: no cover - only "ready" is sent first
            raise RuntimeError("template worker did not start")

    def exchange(self, text: str, source: str) -> _Reply:
        self.conn.send((text, source))
        reply: _Reply = self.conn.recv()
        return reply

    def kill(self) -> None:
        self.process.kill()
        self.process.join(1)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(1)
        self.conn.close()


class TemplateParser:
    """Parses templates in worker processes; started on first use, stopped with the app."""

    def __init__(self, *, workers: int, queue: int, seconds: float) -> None:
        self.seconds = seconds
        self.queue = queue
        self._idle: list[_Worker] = []
        self._slots = asyncio.Semaphore(workers)
        self._waiting = 0
        self._closed = False

    @property
    def waiting(self) -> int:
        """Requests waiting for a worker now."""
        return self._waiting

    async def parse(self, text: str, source: str) -> Template:
        """The checked template, or a TemplateError (also when it takes longer than ``seconds``);
        a DomainError ``busy`` when ``queue`` requests already wait."""
        if self._waiting >= self.queue:
            raise DomainError(Code.BUSY, N_("Too many templates are being read; try again in a moment."))
        self._waiting += 1
        try:
            async with asyncio.timeout(self.seconds):
                await self._slots.acquire()
        except TimeoutError:
            raise DomainError(
                Code.BUSY, N_("Too many templates are being read; try again in a moment.")
            ) from None
        finally:
            self._waiting -= 1
        try:
            return await self._parse(text, source)
        finally:
            self._slots.release()

    async def _parse(self, text: str, source: str) -> Template:
        worker = self._idle.pop() if self._idle else await asyncio.to_thread(_Worker)
        try:
            async with asyncio.timeout(self.seconds):
                outcome, first, line, problem = await asyncio.to_thread(worker.exchange, text, source)
        except TimeoutError:
            # The thread waiting on the pipe gets EOF and ends once its worker is gone.
            await asyncio.to_thread(worker.kill)
            limit = f"{self.seconds:g}"
            raise TemplateError(
                source, None, N_("reading it took longer than {n} seconds", n=limit)
            ) from None
        except (EOFError, OSError) as exc:  # the worker died (killed from outside, out of memory)
            await asyncio.to_thread(worker.kill)
            log.error("template worker ended unexpectedly: %s", type(exc).__name__)
            raise TemplateError(source, None, N_("the file could not be read")) from None
        if self._closed:
            worker.stop()
        else:
            self._idle.append(worker)
        if outcome == "ok":
            template: Template = first
            return template
        if outcome == "fault":
            log.error("template %s could not be parsed: %s", source, problem)
            raise TemplateError(source, None, N_("the file could not be read"))
        raise TemplateError(first, line, problem)

    def close(self) -> None:
        self._closed = True
        while self._idle:
            self._idle.pop().stop()
