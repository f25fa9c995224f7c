"""One websocket client: ordered direct frames plus latest-wins channels, written without a task.

A frame for a client that is keeping up is written at once, in the caller's stack: the ASGI send
of a websocket frame completes without suspending while the transport accepts data, so the
fan-out never wakes one task per phone. Only a client whose transport is full (it stopped
reading, or its network is slow) gets a task, which finishes that send and then drains what
queued up meanwhile.

Under uvicorn's websockets protocol without compression, a text frame is written as bytes
straight to the transport: the frame is encoded once per fan-out (every recipient gets the same
``str`` object, so a one-entry cache keyed on identity serves them all), instead of once per
recipient through Starlette's and uvicorn's send (a dict per message, ``str.encode`` of the whole
snapshot, and websockets' frame serialiser). Anything unusual (compression, a closing socket, a
transport that asks us to wait) goes the ordinary way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections import deque
from collections.abc import Coroutine
from typing import Any, Literal

from starlette.websockets import WebSocket, WebSocketState
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

log = logging.getLogger("kring.ws")

Role = Literal["participant", "presenter", "host"]
# Channels are drained in this order: a new activity's state before its results.
CHANNELS = ("state", "mine", "results", "snapshot", "agenda")


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
        "_raw",
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
        self._raw = _raw_protocol(ws)

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

    def _write_raw(self, frame: str) -> bool:
        """Write the frame's bytes to the transport if it takes them now (True: written)."""
        protocol = self._raw
        if (
            protocol is None
            or protocol.close_sent
            or protocol.disconnected
            or not protocol.writable.is_set()
            or protocol.conn.state is not State.OPEN
            or self.ws.application_state is not WebSocketState.CONNECTED
            or protocol.transport.is_closing()
        ):
            return False
        protocol.transport.write(wire_frame(frame))
        return True

    def _write(self, frame: str) -> None:
        """Write now; if the transport makes the send wait, a writer task takes over."""
        if self._write_raw(frame):
            return
        send = self.ws.send_text(frame)
        try:
            waiting = send.send(None)
        except StopIteration:
            return
        except Exception:  # the socket went away; the receive loop notices and cleans up
            self.closed = True
            return
        self.busy_since = asyncio.get_running_loop().time()
        self._writer = asyncio.get_running_loop().create_task(
            self._finish(send, waiting), name=f"kring-send-{self.role}"
        )

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

    async def _finish(self, send: Coroutine[Any, Any, None], waiting: Any) -> None:
        """Drive a suspended send to its end (as a task would), then drain what queued up."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                await _complete(send, waiting)
                self.busy_since = None
                while True:  # what queued up while we waited; stop at the next send that waits
                    frame = None if self.closed else self._next()
                    if frame is None:
                        return
                    if self._write_raw(frame):
                        continue
                    send = self.ws.send_text(frame)
                    try:
                        waiting = send.send(None)
                    except StopIteration:
                        continue
                    self.busy_since = loop.time()
                    break
        except asyncio.CancelledError:
            raise
        except Exception:  # the socket went away; the receive loop notices and cleans up
            self.closed = True
        finally:
            self._writer = None
            self.busy_since = None


async def _complete(send: Coroutine[Any, Any, None], waiting: Any) -> None:
    """Resume a coroutine that yielded ``waiting`` each time what it waits for is done."""
    try:
        while True:
            if isinstance(waiting, asyncio.Future):
                await asyncio.wait((waiting,))
                waiting._asyncio_future_blocking = False
            else:  # a bare yield, as in asyncio.sleep(0)
                await asyncio.sleep(0)
            try:
                waiting = send.send(None)
            except StopIteration:
                return
    except BaseException:
        send.close()
        raise


def _raw_protocol(ws: WebSocket) -> WebSocketsSansIOProtocol | None:
    """uvicorn's protocol behind this socket, if frames may be written to its transport as they
    are: the ASGI ``send`` is the protocol's own (no middleware wraps it) and no extension (such
    as permessage-deflate) rewrites frames."""
    protocol = getattr(getattr(ws, "_send", None), "__self__", None)
    if not isinstance(protocol, WebSocketsSansIOProtocol) or protocol.conn.extensions:
        return None
    return protocol


_encoded: tuple[str, bytes] = ("", b"\x81\x00")


def wire_frame(text: str) -> bytes:
    """An unmasked, unfragmented text frame (RFC 6455 section 5.2), as a server sends it.

    A fan-out hands the same ``str`` to every recipient, so the last frame is kept: the snapshot
    is encoded once, not once per phone."""
    global _encoded
    cached = _encoded  # read once: apps in test threads share the module
    if cached[0] is text:
        return cached[1]
    payload = text.encode()
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x81, 126, size)
    else:
        head = struct.pack("!BBQ", 0x81, 127, size)
    frame = head + payload
    _encoded = (text, frame)
    return frame
