"""Loopback ports for the servers tests start, held so that no other test is given them.

A port found free and let go at once is free for the other pytest-xdist worker's next probe too:
both then start a server on it and one fails to start (or, a server restarted on its port, serves
the other test's phones). So a test's port stays bound, by a socket that never listens, with
SO_REUSEADDR: the test's own server binds it all the same (uvicorn, `kring serve` and redis-server
all set SO_REUSEADDR), while the kernel gives it to no other bind, explicit or by port 0.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

_HELD: list[socket.socket] = []


def _hold_port() -> socket.socket:
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", 0))
    return holder


def free_port() -> int:
    """A loopback port for a server this test starts, held for it until the test ends
    (tests/conftest.py lets go of it)."""
    holder = _hold_port()
    _HELD.append(holder)
    return int(holder.getsockname()[1])


def release_ports() -> None:
    while _HELD:
        _HELD.pop().close()


@contextlib.contextmanager
def reserved_port() -> Iterator[int]:
    """A loopback port held for a server as long as this lasts (a server a module shares)."""
    holder = _hold_port()
    try:
        yield int(holder.getsockname()[1])
    finally:
        holder.close()
