"""server/realtime/connection.py and transport.py: frames written straight to uvicorn's transport
arrive exactly as websockets would have framed them, in order, also when a client stops reading for
a while; with compression the ordinary send is used. Every scenario runs on the plain transport
(Starlette's public send only) too."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import websockets
from starlette.websockets import WebSocket
from websockets.frames import Frame, Opcode

from server.realtime.connection import Connection
from server.realtime.transport import PlainTransport, Transport, choose, wire_frame
from tests.conftest import sqlite_url
from tests.support import LiveServer, Phone, create_meeting, free_port, live_server

# Sizes on both sides of the 7-bit, 16-bit and 64-bit length encodings, and text that is not ASCII.
TEXTS = ["", "a", "x" * 125, "x" * 126, "é" * 63, "w" * 65_535, "w" * 65_536, "Wat verwacht je? ✨" * 9_000]


@pytest.mark.parametrize("text", TEXTS, ids=lambda t: f"{len(t.encode())}B")
def test_a_wire_frame_is_what_websockets_sends(text: str) -> None:
    expected = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])
    assert wire_frame(text) == expected
    assert wire_frame(text) is wire_frame(text)  # the same str is encoded once
    copy = "".join(list(text))  # an equal str, another object (unless interned): encoded equally
    assert wire_frame(copy) == expected


class Pusher:
    """An ASGI app whose one websocket gets ``frames`` pushed through a Connection at once."""

    def __init__(self, frames: list[str], transport: Transport) -> None:
        self.frames = frames
        self.transport = transport
        self.raw: list[bool] = []
        self.waited: list[bool] = []  # did a writer task have to wait for the transport?
        self.done = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            return
        ws = WebSocket(scope, receive, send)
        await ws.accept()
        connection = Connection(
            ws, "participant", participant_id=1, max_backlog=len(self.frames) + 1, transport=self.transport
        )
        self.raw.append(connection.direct)
        for frame in self.frames:
            connection.push(frame)
        self.waited.append(connection._writer is not None)
        await connection.flush(20)
        self.done.set()
        with contextlib.suppress(Exception):
            while (await ws.receive())["type"] != "websocket.disconnect":
                pass
        await connection.stop()


@contextlib.asynccontextmanager
async def serving(app: Any, deflate: bool) -> AsyncIterator[str]:
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        ws="websockets-sansio",
        ws_per_message_deflate=deflate,
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@pytest.fixture(params=["auto", "plain"])
def transport(request: pytest.FixtureRequest) -> Transport:
    return choose(request.param)


@pytest.mark.parametrize("deflate", [False, True], ids=["raw", "deflate"])
def test_frames_arrive_whole_and_in_order(deflate: bool, transport: Transport) -> None:
    frames = [f'{{"n": {i}, "text": "{TEXTS[i % len(TEXTS)]}"}}' for i in range(60)]
    plain = isinstance(transport, PlainTransport)

    async def scenario() -> None:
        app = Pusher(frames, transport)
        async with serving(app, deflate) as url:
            compression = "deflate" if deflate else None
            async with websockets.connect(url, compression=compression, max_size=None) as client:
                got = [await asyncio.wait_for(client.recv(), 10) for _ in frames]
        assert got == frames
        assert app.raw == [not deflate and not plain]
        assert app.waited == [plain]  # the plain send is always finished by the writer task

    asyncio.run(scenario())


def test_a_client_that_stops_reading_gets_everything_in_order_when_it_reads_again(
    transport: Transport,
) -> None:
    # 300 frames of 64 KiB: far beyond the transport's high-water mark, so the raw writes stop,
    # a writer task waits for the transport, and the rest goes out after it (raw again).
    frames = [f"{i:05d}" + "s" * 65_536 for i in range(300)]

    async def scenario() -> None:
        app = Pusher(frames, transport)
        async with serving(app, False) as url, websockets.connect(url, max_size=None, max_queue=1) as client:
            first = await asyncio.wait_for(client.recv(), 10)
            await asyncio.sleep(0.5)  # not reading: the server's transport fills up
            assert not app.done.is_set()
            got = [first] + [await asyncio.wait_for(client.recv(), 10) for _ in frames[1:]]
            await asyncio.wait_for(app.done.wait(), 10)
        assert [g[:5] for g in got] == [f[:5] for f in frames]
        assert got == frames
        assert app.raw == [not isinstance(transport, PlainTransport)]
        assert app.waited == [True]

    asyncio.run(scenario())


def test_nothing_is_written_after_the_socket_closed(transport: Transport) -> None:
    async def scenario() -> None:
        seen: list[str] = []
        closed = asyncio.Event()

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "websocket":
                return
            ws = WebSocket(scope, receive, send)
            await ws.accept()
            connection = Connection(ws, "participant", participant_id=1, transport=transport)
            connection.push("before")
            await connection.flush()
            await ws.close(1000)
            connection.closed = False  # as if the room had not heard yet: the raw path must see it
            connection.push("after")
            closed.set()

        async with serving(app, False) as url:
            async with websockets.connect(url) as client:
                with contextlib.suppress(websockets.ConnectionClosed):
                    while True:
                        seen.append(str(await asyncio.wait_for(client.recv(), 10)))
                assert client.close_code == 1000
            await asyncio.wait_for(closed.wait(), 10)
        assert seen == ["before"]

    asyncio.run(scenario())


@pytest.mark.parametrize("mode", ["auto", "plain"])
def test_the_served_app_writes_phone_frames_by_the_chosen_transport(tmp_path: Path, mode: str) -> None:
    async def scenario(live: LiveServer) -> None:
        meeting = create_meeting(live.base)
        phone = Phone(live.base, meeting["code"])
        await phone.join()
        await phone.connect()
        await phone.wait_for(lambda m: m["type"] == "state")
        app: Any = live.server.config.app  # the FastAPI app create_app made
        hub = app.state.hub
        (room,) = hub.rooms.values()
        assert app.state.transport.name == ("plain" if mode == "plain" else "direct")
        assert [c.direct for c in room.connections] == [mode == "auto"]
        await phone.disconnect()

    with live_server(sqlite_url(tmp_path), ws_transport=mode) as live:
        asyncio.run(scenario(live))
