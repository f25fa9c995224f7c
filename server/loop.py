"""The event loop ``kring serve`` runs on: uvloop, with listening sockets that accept in batches.

uvloop (0.23) accepts one waiting connection per loop iteration. With thousands of phones
connected an iteration is busy, so a hall scanning the QR code at once outruns it: the accept
queue fills, the kernel drops handshakes, and phones wait out SYN retransmits (1 s, 3 s, 7 s)
while the server has CPU to spare. ``python -m bench accept`` shows it (uvloop accepted one
connection per iteration where asyncio's own loop took 400). Here the listening socket is
watched with ``add_reader`` and drained up to its backlog on every wake-up, like asyncio does;
each connection then becomes an ordinary uvloop transport (``connect_accepted_socket``).
Without uvloop, asyncio's own loop is used as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import logging
import socket
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger("kring")

# Out of file descriptors or buffers: stop accepting for a moment, as asyncio does.
_PAUSE_ERRORS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
_PAUSE_SECONDS = 1.0


class BatchAcceptServer(asyncio.AbstractServer):
    """Serves ``protocol_factory`` on already bound sockets, accepting in batches."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sockets: list[socket.socket],
        protocol_factory: Callable[[], asyncio.BaseProtocol],
        backlog: int,
    ) -> None:
        self._loop = loop
        self._sockets = sockets
        self._factory = protocol_factory
        self._backlog = backlog
        self._serving = False
        self._closed = asyncio.Event()
        self._pending: set[asyncio.Task[Any]] = set()

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return tuple(self._sockets)

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def is_serving(self) -> bool:
        return self._serving

    async def start_serving(self) -> None:
        if self._serving or self._closed.is_set():
            return
        self._serving = True
        for sock in self._sockets:
            sock.listen(self._backlog)
            self._watch(sock)

    def _watch(self, sock: socket.socket) -> None:
        if self._serving:
            self._loop.add_reader(sock.fileno(), self._accept, sock)

    def _accept(self, sock: socket.socket) -> None:
        for _ in range(self._backlog):
            try:
                conn, _address = sock.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as exc:
                if exc.errno not in _PAUSE_ERRORS:
                    raise
                log.warning("accept paused for %.0f s: %s", _PAUSE_SECONDS, exc)
                self._loop.remove_reader(sock.fileno())
                self._loop.call_later(_PAUSE_SECONDS, self._watch, sock)
                return
            conn.setblocking(False)
            if conn.family in (socket.AF_INET, socket.AF_INET6):
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            task = self._loop.create_task(self._attach(conn))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _attach(self, conn: socket.socket) -> None:
        try:
            await self._loop.connect_accepted_socket(self._factory, conn)
        except OSError:  # the peer went away before its transport was made
            conn.close()

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._serving = False
        for sock in self._sockets:
            with contextlib.suppress(ValueError, OSError):  # already closed
                self._loop.remove_reader(sock.fileno())
            sock.close()
        self._closed.set()

    async def wait_closed(self) -> None:
        await self._closed.wait()
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def serve_forever(self) -> None:
        await self.start_serving()
        await self._closed.wait()

    def close_clients(self) -> None:  # Python 3.13's AbstractServer; transports belong to uvicorn
        pass

    def abort_clients(self) -> None:
        pass

    async def __aenter__(self) -> BatchAcceptServer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()
        await self.wait_closed()


def bind(host: str | Iterable[str] | None, port: int) -> list[socket.socket]:
    """Listening sockets for ``host`` and ``port``, bound as asyncio's ``create_server`` binds."""
    hosts = [None] if host is None or host == "" else [host] if isinstance(host, str) else list(host)
    infos: list[Any] = []
    for name in hosts:
        infos += socket.getaddrinfo(name, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _canonical, address in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6 and hasattr(socket, "IPPROTO_IPV6"):
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.setblocking(False)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


@functools.cache
def _batch_accepting(base: type[asyncio.AbstractEventLoop]) -> type[asyncio.AbstractEventLoop]:
    class Loop(base):  # type: ignore[valid-type,misc]
        async def create_server(
            self,
            protocol_factory: Callable[[], asyncio.BaseProtocol],
            host: str | Iterable[str] | None = None,
            port: int | None = None,
            *,
            sock: socket.socket | None = None,
            backlog: int = 100,
            ssl: Any = None,
            start_serving: bool = True,
            **kwargs: Any,
        ) -> asyncio.AbstractServer:
            plain_tcp = (
                ssl is None
                and not kwargs
                and (
                    sock is None
                    or (sock.type == socket.SOCK_STREAM and sock.family in (socket.AF_INET, socket.AF_INET6))
                )
            )
            if not plain_tcp:
                return await super().create_server(  # type: ignore[no-any-return]
                    protocol_factory,
                    host,
                    port,
                    sock=sock,
                    backlog=backlog,
                    ssl=ssl,
                    start_serving=start_serving,
                    **kwargs,
                )
            if sock is not None:
                sock.setblocking(False)
                sockets = [sock]
            else:
                sockets = bind(host, port or 0)
            server = BatchAcceptServer(self, sockets, protocol_factory, backlog)
            if start_serving:
                await server.start_serving()
            return server

    return Loop


def loop_factory() -> asyncio.AbstractEventLoop:
    """uvicorn's ``loop`` setting (an import string naming this): uvloop that accepts in batches."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return asyncio.new_event_loop()
    return _batch_accepting(uvloop.Loop)()
