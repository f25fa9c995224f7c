"""The one place that knows how frames reach a socket: uvicorn's transport directly, or Starlette's send.

A fan-out to 10,000 phones is cheap only when a frame is written without a task per phone and
without framing it once per phone. Neither has a public interface, so the fast path reads
uvicorn's and websockets' internals. They all live here, behind ``Transport``, chosen once at
start-up (``choose``) by feature detection: the names this code reads are looked up in the
installed uvicorn, Starlette and websockets, and if one is missing, or ``KRING_WS_TRANSPORT=plain``
asks for it, every frame goes through Starlette's public ``send_text`` from a writer task, and
uvicorn runs on its own event loop.

``direct`` (the fast path), per frame:
1. uvicorn's websockets-sansio protocol without compression: the frame is encoded once per
   fan-out (``wire_frame``) and written to the protocol's transport as bytes, while the socket is
   open and the transport takes data.
2. Otherwise (compression, a test client, a full transport): Starlette's ``send_text`` is run in
   the caller's stack up to its first wait. Most sends never wait; one that does is handed back
   as an awaitable for the connection's writer task to finish.
And ``kring serve`` runs on ``server.loop:loop_factory`` (uvloop accepting in batches).
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from starlette.websockets import WebSocket, WebSocketState

log = logging.getLogger("kring.ws")

Mode = Literal["auto", "plain"]


class Sender(Protocol):
    """Starts sending one text frame: None when it is written already, else an awaitable that
    finishes it (the connection's writer task awaits it; nothing else is sent meanwhile)."""

    @property
    def direct(self) -> bool:
        """Frames go straight to the transport as bytes."""
        ...

    def __call__(self, frame: str) -> Awaitable[None] | None: ...

    def many(self, frames: Sequence[str]) -> bool:
        """Writes these frames at once if the transport takes them now (True); False changes
        nothing, and the caller sends them one by one."""
        ...


class Transport(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def loop(self) -> str:
        """uvicorn's ``loop`` setting for ``kring serve``."""
        ...

    def attach(self, ws: WebSocket) -> Sender: ...


class _PlainSender:
    __slots__ = ("ws",)
    direct = False

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws

    def __call__(self, frame: str) -> Awaitable[None]:
        return self.ws.send_text(frame)

    def many(self, frames: Sequence[str]) -> bool:
        return False


@dataclass(frozen=True)
class PlainTransport:
    """Public interfaces only: Starlette's ``send_text``, awaited by the writer task."""

    name: str = "plain"
    loop: str = "auto"

    def attach(self, ws: WebSocket) -> Sender:
        return _PlainSender(ws)


@dataclass(frozen=True)
class DirectTransport:
    """The fast path; ``protocol`` is uvicorn's websockets-sansio protocol class (None: no direct
    writes, only the send run in the caller's stack)."""

    protocol: type | None
    has_disconnected: bool  # uvicorn >= 0.52.1 marks a lost connection itself
    open_state: Any = None  # websockets.protocol.State.OPEN
    name: str = "direct"
    loop: str = "server.loop:loop_factory"

    def attach(self, ws: WebSocket) -> Sender:
        protocol = self._protocol_of(ws)
        if protocol is None:
            return _SteppedSender(ws)
        return _DirectSender(ws, protocol, self.has_disconnected, self.open_state)

    def _protocol_of(self, ws: WebSocket) -> Any:
        """uvicorn's protocol behind this socket, if frames may be written to its transport as
        they are: the ASGI ``send`` is the protocol's own (no middleware wraps it) and no extension
        (such as permessage-deflate) rewrites frames."""
        if self.protocol is None:
            return None
        protocol = getattr(getattr(ws, "_send", None), "__self__", None)
        if not isinstance(protocol, self.protocol) or protocol.conn.extensions:  # type: ignore[attr-defined]
            return None
        return protocol


class _SteppedSender:
    __slots__ = ("ws",)
    direct = False

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws

    def __call__(self, frame: str) -> Awaitable[None] | None:
        return _step(self.ws.send_text(frame))

    def many(self, frames: Sequence[str]) -> bool:
        return False


class _DirectSender:
    __slots__ = ("has_disconnected", "open_state", "protocol", "ws")
    direct = True

    def __init__(self, ws: WebSocket, protocol: Any, has_disconnected: bool, open_state: Any) -> None:
        self.ws = ws
        self.protocol = protocol
        self.has_disconnected = has_disconnected
        self.open_state = open_state

    def _open(self) -> bool:
        """Whether frames may be written to the transport now, as they are."""
        protocol = self.protocol
        return not (
            protocol.close_sent
            or (self.has_disconnected and protocol.disconnected)
            or not protocol.writable.is_set()
            or protocol.conn.state is not self.open_state
            or self.ws.application_state is not WebSocketState.CONNECTED
            or protocol.transport.is_closing()
        )

    def __call__(self, frame: str) -> Awaitable[None] | None:
        if not self._open():
            return _step(self.ws.send_text(frame))  # uvicorn decides: wait, refuse, or close
        self.protocol.transport.write(wire_frame(frame))
        return None

    def many(self, frames: Sequence[str]) -> bool:
        if not self._open():
            return False
        self.protocol.transport.write(wire_frames(frames))
        return True


def _step(send: Coroutine[Any, Any, None]) -> Awaitable[None] | None:
    """Run ``send`` up to its first wait: None if it finished, else what finishes it."""
    try:
        waiting = send.send(None)
    except StopIteration:
        return None
    except BaseException:
        send.close()
        raise
    return _complete(send, waiting)


async def _complete(send: Coroutine[Any, Any, None], waiting: Any) -> None:
    """Resume a coroutine that yielded ``waiting`` each time what it waits for is done."""
    try:
        while True:
            if asyncio.isfuture(waiting):
                await asyncio.wait((waiting,))
            else:  # a bare yield, as in asyncio.sleep(0)
                await asyncio.sleep(0)
            try:
                waiting = send.send(None)
            except StopIteration:
                return
    except BaseException:
        send.close()
        raise


_Encoded = tuple[str, bytes]
_encoded: tuple[_Encoded, _Encoded] = (("", b"\x81\x00"), ("", b"\x81\x00"))


def wire_frame(text: str) -> bytes:
    """An unmasked, unfragmented text frame (RFC 6455 section 5.2), as a server sends it.

    A fan-out hands the same ``str`` to every recipient, so the last two frames are kept: the
    snapshot is encoded once, not once per phone, and so are the state and the shared own-answers
    frame that a question's open sends each phone in turn."""
    global _encoded
    cached = _encoded  # read once: apps in test threads share the module
    if cached[0][0] is text:
        return cached[0][1]
    if cached[1][0] is text:  # kept first now: a shared frame stays while per-phone ones pass
        _encoded = (cached[1], cached[0])
        return cached[1][1]
    payload = text.encode()
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x81, 126, size)
    else:
        head = struct.pack("!BBQ", 0x81, 127, size)
    frame = head + payload
    _encoded = ((text, frame), cached[0])
    return frame


_joined: tuple[tuple[str, ...], bytes] = ((), b"")


def wire_frames(texts: Sequence[str]) -> bytes:
    """Several frames for one write. The last run is kept: when a question opens, every phone
    gets the same state and, unless it answered already, the same own-answers frame."""
    global _joined
    key = tuple(texts)
    cached = _joined
    if cached[0] == key:  # the same strings (identity first): the same bytes
        return cached[1]
    data = b"".join([wire_frame(text) for text in texts])
    _joined = (key, data)
    return data


def _sets(function: Callable[..., Any] | None, *names: str) -> bool:
    """Whether ``function``'s own code reads or assigns these attribute names (feature detection
    of an instance's attributes, without making an instance)."""
    code = getattr(function, "__code__", None)
    return code is not None and all(name in code.co_names for name in names)


def detect() -> Transport:
    """The fast path if the installed packages have everything it reads, else the plain one."""
    if not _sets(WebSocket.__init__, "_send"):  # Starlette keeps the ASGI send it was given
        return DirectTransport(protocol=None, has_disconnected=False)
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
        from websockets.protocol import State
    except ImportError:
        return DirectTransport(protocol=None, has_disconnected=False)
    cls = WebSocketsSansIOProtocol
    usable = (
        hasattr(State, "OPEN")
        and _sets(cls.__init__, "conn", "writable", "close_sent")
        and _sets(cls.connection_made, "transport")
        # Flow control (uvicorn >= 0.52.1): a full transport clears `writable`; without it frames
        # for a phone that stopped reading would pile up in memory.
        and _sets(getattr(cls, "pause_writing", None), "writable")
    )
    return DirectTransport(
        protocol=cls if usable else None,
        has_disconnected=_sets(cls.__init__, "disconnected"),
        open_state=State.OPEN,
    )


def choose(mode: Mode) -> Transport:
    """At start-up: ``KRING_WS_TRANSPORT`` (auto: detect; plain: public interfaces only)."""
    return PlainTransport() if mode == "plain" else detect()
