"""server/realtime/transport.py: the fast path is chosen by feature detection, the plain one on demand."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import warnings
from typing import Any

import pytest
from uvicorn.protocols.websockets import websockets_sansio_impl
from websockets.protocol import State

from server.realtime.connection import Connection
from server.realtime.transport import DirectTransport, PlainTransport, choose, detect, wire_frame, wire_frames


def test_detect_takes_the_fast_path_on_the_installed_uvicorn() -> None:
    found = detect()
    assert isinstance(found, DirectTransport)
    assert found.protocol is websockets_sansio_impl.WebSocketsSansIOProtocol
    assert found.loop == "server.loop:loop_factory"


def test_detect_falls_back_when_uvicorn_lacks_what_the_fast_path_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Renamed:  # a future uvicorn whose protocol no longer keeps a `writable` event
        def __init__(self) -> None:
            self.conn: Any = None
            self.close_sent = False

        def connection_made(self, transport: Any) -> None:
            self.transport = transport

        def pause_writing(self) -> None:
            self.paused = True

    monkeypatch.setattr(websockets_sansio_impl, "WebSocketsSansIOProtocol", Renamed)
    found = detect()
    assert isinstance(found, DirectTransport) and found.protocol is None  # no direct writes


def test_detect_refuses_a_uvicorn_without_flow_control(monkeypatch: pytest.MonkeyPatch) -> None:
    class Unbounded(websockets_sansio_impl.WebSocketsSansIOProtocol):  # as uvicorn before 0.52.1
        def pause_writing(self) -> None:
            pass

    monkeypatch.setattr(websockets_sansio_impl, "WebSocketsSansIOProtocol", Unbounded)
    assert detect() == DirectTransport(protocol=None, has_disconnected=True, open_state=State.OPEN)


def test_plain_is_chosen_when_asked_and_uses_uvicorns_own_loop() -> None:
    assert choose("plain") == PlainTransport()
    assert choose("plain").loop == "auto"
    assert choose("auto") == detect()


def test_a_frame_is_encoded_once_while_two_frames_alternate() -> None:
    state, mine = "x" * 200, '{"type":"mine"}'
    first = wire_frame(state)
    assert wire_frame(mine) is wire_frame(mine)
    assert wire_frame(state) is first  # still kept after the other frame went out
    assert first[:2] == bytes([0x81, 126]) and first[4:] == state.encode()


def test_a_shared_frame_stays_encoded_while_each_phone_gets_a_frame_of_its_own() -> None:
    state = "s" * 300
    first = wire_frame(state)
    for phone in range(5):  # as a quiz's reveal: the shared state, then the phone's own frame
        assert wire_frame(state) is first
        wire_frame(f'{{"type":"mine","phone":{phone}}}')
    assert wire_frame(state) is first


def test_frames_for_one_write_are_the_frames_one_after_the_other() -> None:
    state, mine = "x" * 200, '{"type":"mine"}'
    assert wire_frames([state, mine]) == wire_frame(state) + wire_frame(mine)
    assert wire_frames([state, mine]) is wire_frames([state, mine])  # the same run: kept
    assert wire_frames([state, "y"]) == wire_frame(state) + wire_frame("y")


class _WaitingSocket:
    """A socket whose every send waits for ``gate``: the sender hands each send back unfinished."""

    application_state = None

    def __init__(self) -> None:
        self.gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.sent: list[str] = []

    async def send_text(self, frame: str) -> None:
        await self.gate
        self.sent.append(frame)


STEPPED = DirectTransport(protocol=None, has_disconnected=True)  # sends run up to their first wait


@pytest.mark.parametrize("transport", [STEPPED, PlainTransport()])
@pytest.mark.parametrize("end", ["abandon", "stop"])
async def test_a_send_whose_writer_is_cancelled_before_it_ran_is_closed_not_left_unawaited(
    transport: Any, end: str
) -> None:
    # A phone whose first frame must wait, dropped in the same moment (the room ends, the stall
    # guard gives up on it): the writer task is cancelled before its first step, so the send it
    # was handed never ran. Left so, the garbage collector reports "coroutine ... was never
    # awaited" into whatever test runs next (pytest turns that into a failure).
    ws = _WaitingSocket()
    connection = Connection(ws, "participant", participant_id=1, transport=transport)  # type: ignore[arg-type]
    connection.push("eerste")
    writer = connection._writer
    assert writer is not None and not writer.done()  # the precondition: a send is pending
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if end == "abandon":
            connection.abandon()
        else:
            await connection.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        del writer
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []
    assert ws.sent == []


async def test_a_send_that_waited_still_arrives_once_its_writer_runs() -> None:
    ws = _WaitingSocket()
    connection = Connection(ws, "participant", participant_id=1, transport=STEPPED)  # type: ignore[arg-type]
    connection.push("eerste")
    connection.push("tweede")
    writer = connection._writer
    assert writer is not None
    ws.gate.set_result(None)
    await writer
    assert ws.sent == ["eerste", "tweede"]
