"""server/loop.py: the served loop drains waiting connections in batches, serves, and closes."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from typing import Any

import pytest

from server.loop import loop_factory


def _accept_queue(listener: socket.socket) -> int:
    """Connections waiting to be accepted: a listening socket's tcpi_unacked (Linux)."""
    info = listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return int(struct.unpack_from("I", info, 24)[0])


async def _accepted_per_iteration(connections: int) -> tuple[int, int]:
    """(accepted, loop iterations it took) for ``connections`` that were waiting at once."""
    loop = asyncio.get_running_loop()
    accepted = 0

    class Sink(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            nonlocal accepted
            accepted += 1

    server = await loop.create_server(Sink, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    clients = []
    for _ in range(connections):  # the kernel queues these while the loop is in this coroutine
        client = socket.socket()
        client.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            client.connect(("127.0.0.1", port))
        clients.append(client)
    # Every handshake complete and waiting in the accept queue (the loop is not running, so none
    # is accepted yet): the kernel completes them on its own schedule, later on a loaded machine.
    listener = server.sockets[0]
    deadline = time.monotonic() + 60
    while _accept_queue(listener) < connections:
        assert time.monotonic() < deadline, f"{_accept_queue(listener)} of {connections} handshakes"
        time.sleep(0.005)
    iterations = 0
    deadline = time.monotonic() + 10
    while accepted < connections and time.monotonic() < deadline:
        await asyncio.sleep(0)
        iterations += 1
    server.close()
    await server.wait_closed()
    for client in clients:
        client.close()
    return accepted, iterations


def test_waiting_connections_are_accepted_in_a_batch() -> None:
    # uvloop 0.23 on its own takes one connection per loop iteration (python -m bench accept).
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        accepted, iterations = runner.run(_accepted_per_iteration(300))
    assert accepted == 300
    assert iterations <= 30, f"{iterations} loop iterations to accept 300 waiting connections"


def test_the_loop_serves_a_request_and_stops_accepting_when_closed() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()

        class Echo(asyncio.Protocol):
            def connection_made(self, transport: Any) -> None:
                self.transport = transport  # a uvloop TCPTransport

            def data_received(self, data: bytes) -> None:
                self.transport.write(data.upper())

        server = await loop.create_server(Echo, "127.0.0.1", 0)
        assert server.is_serving()
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"kring")
        assert await asyncio.wait_for(reader.readexactly(5), 5) == b"KRING"
        writer.close()
        server.close()
        await server.wait_closed()
        assert not server.is_serving()
        with pytest.raises(OSError):
            await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(scenario())
