"""One websocket client: ordered direct frames plus latest-wins channels, written without a task.

A frame for a client that is keeping up is written at once, in the caller's stack: the ASGI send
of a websocket frame completes without suspending while the transport accepts data, so the
fan-out never wakes one task per phone. Only a client whose transport is full (it stopped
reading, or its network is slow) gets a task, which finishes that send and then drains what
queued up meanwhile.

How a frame reaches the socket (straight to uvicorn's transport, or Starlette's send) is
``transport.py``'s, chosen once at start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import deque
from collections.abc import Awaitable
from typing import Literal

from starlette.websockets import WebSocket

from server.realtime.transport import Sender, Transport, detect

log = logging.getLogger("kring.ws")

Role = Literal["participant", "presenter", "host"]
# Channels are drained in this order: a new activity's state before its results.
CHANNELS = ("state", "mine", "pace", "results", "snapshot", "agenda", "beside", "qa_mine")


class Connection:
    """Never awaited by the fan-out.

    Direct frames (acks, errors) are all delivered in order, up to ``max_backlog``; a client that
    falls further behind is disconnected. Channel frames keep only the latest per channel, so a
    slow phone skips intermediate snapshots instead of piling them up.
    """

    __slots__ = (
        "_closer",
        "_direct",
        "_latest",
        "_max_backlog",
        "_send",
        "_writer",
        "abandoned",
        "busy_since",
        "closed",
        "handler",
        "participant_id",
        "role",
        "via",
        "ws",
    )

    def __init__(
        self,
        ws: WebSocket,
        role: Role,
        *,
        participant_id: int | None = None,
        max_backlog: int = 256,
        transport: Transport | None = None,
    ) -> None:
        self.ws = ws
        self.role = role
        self.participant_id = participant_id
        self.closed = False
        self._direct: deque[str] | None = None  # made on first need: an empty deque is 600 B
        self._latest: dict[str, str] = {}
        self._max_backlog = max_backlog
        # The task finishing a send that had to wait for the transport (None: nothing waits).
        self._writer: asyncio.Task[None] | None = None
        self.busy_since: float | None = None
        self.abandoned = False
        self._closer: asyncio.Task[None] | None = None
        self.via: str | None = None  # screens: "host" or "presenter", the key that opened it
        # The task running this client's websocket handler (cancelled by abandon()).
        self.handler: asyncio.Task[object] | None = asyncio.current_task()
        self._send: Sender = (transport or detect()).attach(ws)

    @property
    def _idle(self) -> bool:
        return self._writer is None and not self._direct and not self._latest

    def push(self, frame: str) -> None:
        if self.closed:
            return
        if self._idle:
            self._write(frame)
            return
        if self._direct is None:
            self._direct = deque()
        if len(self._direct) >= self._max_backlog:
            log.info("dropping a %s connection that fell %d frames behind", self.role, len(self._direct))
            self.close_soon(1008, "too far behind")
            return
        self._direct.append(frame)

    def put_latest(self, channel: str, frame: str) -> None:
        if channel not in CHANNELS:  # a frame on an unknown channel would never be sent
            raise ValueError(f"unknown channel {channel!r}; use one of {CHANNELS}")
        if self.closed:
            return
        if self._idle:
            self._write(frame)
            return
        self._latest[channel] = frame

    def put_latest_many(self, *frames: tuple[str, str]) -> None:
        """Frames of several channels at once, in this order (a question's state, then this
        phone's own answers): to a client that keeps up on the direct transport they go out in
        one write, one system call instead of one per frame; otherwise as ``put_latest`` each."""
        if self.closed:
            return
        if self._idle and self._send.direct:
            for channel, _ in frames:
                if channel not in CHANNELS:  # as put_latest would refuse it
                    raise ValueError(f"unknown channel {channel!r}; use one of {CHANNELS}")
            try:
                if self._send.many([frame for _, frame in frames]):
                    return
            except Exception:  # the socket went away; the receive loop notices and cleans up
                self.closed = True
                return
        for channel, frame in frames:
            self.put_latest(channel, frame)

    def drop(self, channel: str) -> None:
        self._latest.pop(channel, None)

    def abandon(self) -> None:
        """Give up on a client that stopped reading. Its sends are blocked, so a close frame
        would never get out either: stop the writer and end the handler; the server then
        closes the transport."""
        self.closed = True
        self.abandoned = True
        if self._writer is not None:
            self._writer.cancel()
        self._direct = None
        self._latest.clear()
        if self.handler is not None and self.handler is not asyncio.current_task():
            self.handler.cancel()

    async def room_for_replies(self) -> None:
        """Backpressure on a client's own requests: stop reading from it while half of its
        backlog of replies is still unsent, instead of queueing without bound."""
        while self._direct and len(self._direct) > self._max_backlog // 2 and not self.closed:
            await asyncio.sleep(0.005)

    def close_when_sent(self, code: int, reason: str) -> None:
        """Close after what is queued has gone out (bounded), e.g. an error explaining why."""

        async def later() -> None:
            await self.flush(0.5)
            self.close_soon(code, reason)

        self._closer = asyncio.get_running_loop().create_task(later())

    def close_soon(self, code: int = 1000, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        asyncio.get_running_loop().create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        if self._writer is not None:  # the close frame goes after the frame being written
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(self._writer), 1.0)
        with contextlib.suppress(Exception):
            await self.ws.close(code, reason)

    async def stop(self) -> None:
        self.closed = True
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer

    async def flush(self, timeout: float = 1.0) -> None:
        """Wait (bounded) until what is queued has been handed to the socket."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._idle and not self.closed and loop.time() < deadline:
            await asyncio.sleep(0.01)

    def stalled_for(self, now: float) -> float:
        """How long the current send has been blocked (a client that stopped reading)."""
        return 0.0 if self.busy_since is None else now - self.busy_since

    # -- writing -----------------------------------------------------------------------------

    @property
    def direct(self) -> bool:
        """Whether frames go straight to the transport (see transport.py)."""
        return self._send.direct

    def _write(self, frame: str) -> None:
        """Write now; if the transport makes the send wait, a writer task takes over."""
        try:
            pending = self._send(frame)
        except Exception:  # the socket went away; the receive loop notices and cleans up
            self.closed = True
            return
        if pending is None:
            return
        self.busy_since = asyncio.get_running_loop().time()
        self._writer = asyncio.get_running_loop().create_task(
            self._finish(pending), name=f"kring-send-{self.role}"
        )
        self._writer.add_done_callback(functools.partial(_close_unawaited, pending))

    def _next(self) -> str | None:
        if "state" in self._latest:
            return self._latest.pop("state")
        if self._direct:
            return self._direct.popleft()
        for channel in CHANNELS:
            frame = self._latest.pop(channel, None)
            if frame is not None:
                return frame
        return None

    async def _finish(self, pending: Awaitable[None]) -> None:
        """Finish a send that had to wait, then drain what queued up meanwhile."""
        loop = asyncio.get_running_loop()
        waiting: Awaitable[None] | None = pending
        try:
            while waiting is not None:
                await waiting
                waiting = None
                self.busy_since = None
                while waiting is None:  # what queued up while we waited; stop at a send that waits
                    frame = None if self.closed else self._next()
                    if frame is None:
                        return
                    waiting = self._send(frame)
                self.busy_since = loop.time()
        except asyncio.CancelledError:
            raise
        except Exception:  # the socket went away; the receive loop notices and cleans up
            self.closed = True
        finally:
            if asyncio.iscoroutine(waiting):
                waiting.close()  # cancelled before it ran: never started, so never awaited
            self._writer = None
            self.busy_since = None


def _close_unawaited(pending: Awaitable[None], _writer: asyncio.Task[None]) -> None:
    """A writer task cancelled before its first step never ran ``_finish``, so the send it was
    handed was never awaited: close it (the garbage collector would report it, and drop the frame
    silently all the same). On a send that ran to its end, close() does nothing."""
    if asyncio.iscoroutine(pending):
        pending.close()
