"""One websocket client: ordered direct frames plus latest-wins channels, sent by its own task."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Literal

from starlette.websockets import WebSocket

log = logging.getLogger("kring.ws")

Role = Literal["participant", "presenter", "host"]
# Channels are drained in this order: a new activity's state before its results.
CHANNELS = ("state", "mine", "results", "snapshot", "agenda")


class Connection:
    """Never awaited by the fan-out: frames are parked here and a per-connection task drains them.

    Direct frames (acks, errors) are all delivered in order, up to ``max_backlog``; a client that
    falls further behind is disconnected. Channel frames keep only the latest per channel, so a
    slow phone skips intermediate snapshots instead of piling them up.
    """

    __slots__ = (
        "_closer",
        "_direct",
        "_latest",
        "_max_backlog",
        "_task",
        "_wake",
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
    ) -> None:
        self.ws = ws
        self.role = role
        self.participant_id = participant_id
        self.closed = False
        self._direct: deque[str] = deque()
        self._latest: dict[str, str] = {}
        self._wake = asyncio.Event()
        self._max_backlog = max_backlog
        self._task: asyncio.Task[None] | None = None
        self.busy_since: float | None = None
        self.abandoned = False
        self._closer: asyncio.Task[None] | None = None
        self.via: str | None = None  # screens: "host" or "presenter", the key that opened it
        # The task running this client's websocket handler (cancelled by abandon()).
        self.handler: asyncio.Task[object] | None = asyncio.current_task()

    def start(self) -> None:
        self._task = asyncio.create_task(self._drain(), name=f"kring-send-{self.role}")

    def push(self, frame: str) -> None:
        if self.closed:
            return
        if len(self._direct) >= self._max_backlog:
            log.info("dropping a %s connection that fell %d frames behind", self.role, len(self._direct))
            self.close_soon(1008, "too far behind")
            return
        self._direct.append(frame)
        self._wake.set()

    def put_latest(self, channel: str, frame: str) -> None:
        if channel not in CHANNELS:  # a frame on an unknown channel would never be sent
            raise ValueError(f"unknown channel {channel!r}; use one of {CHANNELS}")
        if self.closed:
            return
        self._latest[channel] = frame
        self._wake.set()

    def abandon(self) -> None:
        """Give up on a client that stopped reading. Its sends are blocked, so a close frame
        would never get out either: stop the sender and end the handler; the server then
        closes the transport."""
        self.closed = True
        self.abandoned = True
        if self._task is not None:
            self._task.cancel()
        self._direct.clear()
        self._latest.clear()
        if self.handler is not None and self.handler is not asyncio.current_task():
            self.handler.cancel()

    async def room_for_replies(self) -> None:
        """Backpressure on a client's own requests: stop reading from it while half of its
        backlog of replies is still unsent, instead of queueing without bound."""
        while len(self._direct) > self._max_backlog // 2 and not self.closed:
            await asyncio.sleep(0.005)

    def close_when_sent(self, code: int, reason: str) -> None:
        """Close after what is queued has gone out (bounded), e.g. an error explaining why."""

        async def later() -> None:
            await self.flush(0.5)
            self.close_soon(code, reason)

        self._closer = asyncio.get_running_loop().create_task(later())

    def drop(self, channel: str) -> None:
        self._latest.pop(channel, None)

    def close_soon(self, code: int = 1000, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        self._wake.set()
        asyncio.get_running_loop().create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close(code, reason)

    async def stop(self) -> None:
        self.closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def flush(self, timeout: float = 1.0) -> None:
        """Wait (bounded) until what is queued has been handed to the socket."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (self._direct or self._latest) and not self.closed and loop.time() < deadline:
            await asyncio.sleep(0.01)

    def stalled_for(self, now: float) -> float:
        """How long the current send has been blocked (a client that stopped reading)."""
        return 0.0 if self.busy_since is None else now - self.busy_since

    async def _send(self, frame: str) -> None:
        self.busy_since = asyncio.get_running_loop().time()
        await self.ws.send_text(frame)
        self.busy_since = None

    async def _drain(self) -> None:
        try:
            while not self.closed:
                await self._wake.wait()
                self._wake.clear()
                while (self._direct or self._latest) and not self.closed:
                    if "state" in self._latest:
                        await self._send(self._latest.pop("state"))
                    if self._direct:
                        await self._send(self._direct.popleft())
                        continue
                    for channel in CHANNELS:
                        frame = self._latest.pop(channel, None)
                        if frame is not None:
                            await self._send(frame)
        except Exception:  # the socket went away; the receive loop notices and cleans up
            self.closed = True
