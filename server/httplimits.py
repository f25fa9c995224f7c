"""HTTP limits uvicorn does not set: the size and time of a request head, a body's idle time, and
each route's body size, refused from Content-Length before a byte of the body is read.

uvicorn's httptools protocol (what ``kring serve`` runs) has no limit on a request head: 20 MiB
of endless headers were all held in memory. Its only timer is keep-alive, armed after a response:
a connection that never sends a request, or sends its head a byte at a time (slowloris), stays
open for ever. ``h11_max_incomplete_event_size`` bounds the head only for the slower h11
protocol. ``KringHttpProtocol`` adds to httptools' protocol: the head (request line and headers)
must arrive within ``http_head_seconds`` of the connection or of its first byte, and within
``http_max_head_bytes``; a body must not pause longer than ``http_body_idle_seconds``.
``BodyLimit`` refuses a body over its route's limit: from Content-Length before reading (a
100 MiB upload was read whole before its 422), or once a chunked body passes it (chunked bodies
are held to the default limit on every route).
"""

from __future__ import annotations

import asyncio
import functools
import json
import weakref
from dataclasses import dataclass
from typing import Any, cast

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from server.domain.errors import Code
from server.settings import Settings

KIB = 1024
MIB = 1024 * KIB
# Own templates are up to 1,000,000 characters (server.draaiboek.loader.MAX_CHARACTERS): in JSON
# with every character UTF-8 or escaped, up to 4 MiB. An export to import is up to 20 MB.
TEMPLATE_ROUTES = frozenset({("POST", "/api/meetings"), ("POST", "/api/templates/check")})
TEMPLATE_BODY_BYTES = 4 * MIB
IMPORT_BODY_BYTES = 20 * MIB


def body_limit(method: str, path: str, default: int) -> int:
    """The most a request to this route may send: ``default`` but for templates and imports."""
    if (method, path) in TEMPLATE_ROUTES:
        return max(default, TEMPLATE_BODY_BYTES)
    if (method, path) == ("POST", "/api/import"):
        return max(default, IMPORT_BODY_BYTES)
    return default


class BodyTooLarge(HTTPException):
    """413 ``body_too_large``; the connection is closed after it, so the rest is never read."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            detail=f"The request body is larger than {limit} bytes, the most this route accepts.",
            headers={"Connection": "close"},
        )


class BodyLimit:
    """Pure ASGI: a body over its route's limit never reaches the app (nor memory)."""

    def __init__(self, app: ASGIApp, default_limit: int) -> None:
        self.app = app
        self.default_limit = default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["method"], scope["path"], self.default_limit)
        for name, value in scope["headers"]:
            if name == b"content-length":
                # httptools refuses a length that is not a number; other servers may not.
                if not value.isdigit() or int(value) > limit:  # refused unread
                    await _refuse(send, BodyTooLarge(limit))
                    return
                break
        else:
            # A body of unknown length (chunked) may not pass the default limit on any route:
            # what is bigger declares its length, as browsers and curl do, so that a stream
            # meant to fill memory is cut off early and a large upload is refused unread.
            limit = min(limit, self.default_limit)
        received = 0
        started = False

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # a chunked body (or a lying length) passing the limit
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watched)
        except BodyTooLarge as exc:  # raised where no exception handler answered it
            if started:
                raise
            await _refuse(send, exc)


async def _refuse(send: Send, exc: BodyTooLarge) -> None:
    body = json.dumps({"error": {"code": Code.BODY_TOO_LARGE, "message": exc.detail}}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True, slots=True)
class HeadLimits:
    max_head_bytes: int
    head_seconds: float
    body_idle_seconds: float


@functools.cache
def _limits() -> HeadLimits:
    # Read once per process from KRING_* (uvicorn makes the protocol, not Kring: in a worker
    # process too, from the environment `kring serve` passes on).
    settings = Settings()
    return HeadLimits(
        settings.http_max_head_bytes, settings.http_head_seconds, settings.http_body_idle_seconds
    )


LINGER_SECONDS = 2.0
_HEAD_TOO_LARGE = json.dumps(
    {"error": {"code": Code.HEAD_TOO_LARGE, "message": "The request line and headers are too large."}}
).encode()


class KringHttpProtocol(HttpToolsProtocol):
    """httptools' protocol with a bounded request head and timers for heads and bodies."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = _limits()
        self._in_head = True
        self._head_bytes = 0
        self._in_body = False
        self._last_data = 0.0
        self._lingering = False
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.limits.head_seconds, self._head_timeout)  # a connection that never asks

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # the rest of a refused request: dropped unparsed
        self._last_data = self.loop.time()
        super().data_received(data)
        if self._in_head and not self.transport.is_closing():
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_head_bytes:
                self._refuse_head()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes = True, 0
        if self._timer is None:  # the next request on a kept-alive connection: its own deadline
            self._arm(self.limits.head_seconds, self._head_timeout)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm()
        super().on_headers_complete()
        has_body = any(
            name == b"transfer-encoding" or (name == b"content-length" and value != b"0")
            for name, value in self.headers
        )
        if has_body and not self.transport.is_closing():
            self._in_body = True
            self._arm(self.limits.body_idle_seconds, self._body_timeout)
            # A response that closes the connection before the body is in (413 body_too_large)
            # lingers instead, so that the client reads it (see _linger).
            self.cycle.transport = cast(asyncio.Transport, _LingeringClose(self.transport, self))

    def on_message_complete(self) -> None:
        if self._in_body:
            self._in_body = False
            self._disarm()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._disarm()  # the socket is the websocket protocol's now, with its own pings
        self._in_head = False
        super().handle_websocket_upgrade()

    def _arm(self, seconds: float, callback: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _head_timeout(self) -> None:
        self._timer = None
        if self._in_head and not self.transport.is_closing():
            self.transport.close()  # silent or slowloris: nothing to answer

    def _body_timeout(self) -> None:
        self._timer = None
        if not self._in_body or self.transport.is_closing():
            return
        idle = self.loop.time() - self._last_data
        if idle < self.limits.body_idle_seconds:  # data came meanwhile: wait out the rest
            self._timer = self.loop.call_later(self.limits.body_idle_seconds - idle, self._body_timeout)
            return
        self.transport.close()  # the app's receive() gets http.disconnect

    def _refuse_head(self) -> None:
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\n"
            b"connection: close\r\ncontent-length: "
            + str(len(_HEAD_TOO_LARGE)).encode()
            + b"\r\n\r\n"
            + _HEAD_TOO_LARGE
        )
        self._linger()

    def close_or_linger(self) -> None:
        if self._in_body:
            self._linger()
        else:
            self.transport.close()

    def _linger(self) -> None:
        """Refused while the client is still sending: closing at once would answer its data with
        a reset, and a reset makes the client's kernel drop our answer unread. So our side is
        shut (a FIN after the answer), what still comes is dropped unparsed, and after
        LINGER_SECONDS the connection is closed."""
        self._in_head = self._in_body = False
        self._lingering = True
        self._disarm()
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)


class _LingeringClose:
    """The transport as a request's cycle sees it: its ``close`` lingers while a body comes in."""

    def __init__(self, transport: asyncio.Transport, protocol: KringHttpProtocol) -> None:
        self._transport = transport
        # Weakly: the protocol holds the request's cycle, which holds this as its transport. A
        # strong reference made each refused upload a reference cycle, kept with the body uvicorn
        # had buffered until the next full collection (server/realtime/collector.py defers those): the trust
        # suite's HTTP row grew by some 40 KiB per refused upload, 12.6 MiB over every route.
        self._protocol = weakref.ref(protocol)

    def close(self) -> None:
        protocol = self._protocol()
        if protocol is None:
            self._transport.close()
        else:
            protocol.close_or_linger()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
