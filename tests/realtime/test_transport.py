"""server/realtime/transport.py: the fast path is chosen by feature detection, the plain one on demand."""

from __future__ import annotations

from typing import Any

import pytest
from uvicorn.protocols.websockets import websockets_sansio_impl
from websockets.protocol import State

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
