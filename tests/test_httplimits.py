"""HTTP limits: each route's body limit in-process, and the protocol's timers on a `kring serve`."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import migrated_sqlite_url
from tests.factories import auth, client_for, make_meeting
from tests.support import Phone, ServerProcess, create_meeting


@pytest.fixture
def client(tmp_path: Path) -> Any:
    url = migrated_sqlite_url(tmp_path)
    with client_for(url) as client:
        yield client


def test_body_limit_depends_on_the_route(client: TestClient) -> None:
    meeting = make_meeting(client)
    blocks = f"/api/meetings/{meeting['code']}/blocks"
    big = client.post(blocks, content=b"x" * (256 * 1024 + 1), headers=auth(meeting))
    assert big.status_code == 413 and big.json()["error"]["code"] == "body_too_large"
    assert "262144 bytes" in big.json()["error"]["message"]
    # A template may be 1,000,000 characters: its routes take 4 MiB.
    yaml = "format: kring-draaiboek/1\ntitle: x\nblocks:\n  - title: Start\n    duration: 5\n" + "#" * 900_000
    checked = client.post("/api/templates/check", json={"yaml": yaml})
    assert checked.status_code == 200 and checked.json()["valid"]
    assert client.post("/api/templates/check", content=b"x" * (4 * 1024 * 1024 + 1)).status_code == 413

    def chunks() -> Any:  # no Content-Length: held to the default limit on every route
        for _ in range(5):
            yield b"x" * (64 * 1024)

    chunked = client.post("/api/templates/check", content=chunks())
    assert chunked.status_code == 413 and "262144 bytes" in chunked.json()["error"]["message"]


async def closed_after(port: int, send: bytes) -> float:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    writer.write(send)
    while await asyncio.wait_for(reader.read(1024), 10):
        pass
    writer.close()
    return time.monotonic() - started


async def test_protocol_closes_silent_slow_and_stalled_connections_not_websockets(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "limits.db")
    server.start(
        KRING_HTTP_HEAD_SECONDS="1", KRING_HTTP_BODY_IDLE_SECONDS="1", KRING_HTTP_KEEP_ALIVE_SECONDS="1"
    )
    try:
        meeting = create_meeting(server.base)
        phone = Phone(server.base, meeting["code"])
        await phone.join()
        await phone.connect()
        silent, head, body = await asyncio.gather(
            closed_after(server.port, b""),
            closed_after(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"),
            closed_after(
                server.port, b"POST /api/join/ABCDEF HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n{"
            ),
        )
        # A kept-alive connection: the next request gets its own deadline, after an answer.
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = await reader.readuntil(b'{"status":"ok"}')
        await asyncio.sleep(0.5)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        second = await reader.readuntil(b'{"status":"ok"}')
        writer.close()
        await asyncio.sleep(1.5)  # the phone's socket outlives every HTTP timer
        start = len(phone.inbox)
        await phone.send({"type": "ping"})
        pong = await phone.wait_for(lambda m: m["type"] == "pong", start=start)
        await phone.disconnect()
    finally:
        server.kill(15)
    assert 0.9 < silent < 3 and 0.9 < head < 3 and 0.9 < body < 3, (silent, head, body)
    assert first.startswith(b"HTTP/1.1 200") and second.startswith(b"HTTP/1.1 200")
    assert pong["type"] == "pong"
