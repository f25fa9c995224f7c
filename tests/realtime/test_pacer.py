"""Leading-edge coalescing: a quiet room's change is flushed at once, a burst at most once per tick."""

from __future__ import annotations

import asyncio
import itertools

from hypothesis import given
from hypothesis import strategies as st

from server.realtime.connection import Connection
from server.realtime.hub import Hub
from server.realtime.pacer import Pacer
from tests.realtime.loaders import MemoryLoader
from tests.realtime.test_room import FakeSocket, make_room, word


def test_pacer_a_quiet_key_sends_at_once_and_a_burst_waits_for_the_interval() -> None:
    pacer = Pacer(0.1)
    assert pacer.wait(0.0) is None
    assert pacer.mark("room", 5.0)
    assert pacer.wait(5.0) == 0.0
    assert pacer.take(5.0) == ["room"]  # the leading edge: no tick to wait for
    assert pacer.mark("room", 5.01)
    assert not pacer.mark("room", 5.02)  # already waiting: nothing new to wake for
    assert pacer.take(5.05) == []
    assert abs((pacer.wait(5.05) or 0) - 0.05) < 1e-9
    assert pacer.take(5.1) == ["room"]  # the trailing edge, one interval after the last send
    pacer.forget(5.3)
    assert pacer.mark("room", 5.3) and pacer.take(5.3) == ["room"]  # quiet again: at once


@given(st.lists(st.floats(min_value=0, max_value=2, allow_nan=False), max_size=60))
def test_pacer_sends_at_most_once_per_interval_and_no_change_waits_longer(gaps: list[float]) -> None:
    interval = 0.1
    pacer = Pacer(interval)
    now, sent, waiting_since = 0.0, [], None
    for gap in gaps:
        # The ticker: whatever is due by the time of the next change goes out at its due time.
        wait = pacer.wait(now)
        if wait is not None and wait <= gap:
            at = now + wait + 1e-12  # past the due time, whatever the rounding of now + wait
            assert pacer.take(at) == ["k"]
            sent.append(at)
            assert waiting_since is not None and at - waiting_since <= interval + 1e-9
            waiting_since = None
        now += gap
        if waiting_since is None:
            waiting_since = now
        pacer.mark("k", now)
        if not sent or now - sent[-1] >= interval:
            assert pacer.wait(now) == 0.0  # quiet for an interval: the change goes out at once
    assert all(b - a >= interval - 1e-9 for a, b in itertools.pairwise(sent))


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def snapshots(socket: FakeSocket) -> list[str]:
    return [f for f in socket.sent if '"type":"snapshot"' in f]


async def test_hub_flushes_the_first_change_of_a_quiet_room_and_one_frame_per_tick_of_a_burst() -> None:
    clock = FakeClock()
    hub = Hub(None, public_base="http://127.0.0.1:8000", tick=0.1, monotonic=clock, loader=MemoryLoader())
    room = make_room()
    hub.rooms[room.meeting.id] = room
    socket = FakeSocket()
    hub.connect(room, Connection(socket, "presenter"))  # type: ignore[arg-type]
    await hub.ticker.flush_due()
    before = len(snapshots(socket))

    clock.now += 5  # a quiet room
    quiet = clock.now
    room.apply(1, [word(1, 1, "samen")], {})
    hub.mark(room)
    await hub.ticker.flush_due()
    assert len(snapshots(socket)) == before + 1  # at once, no tick waited for
    assert '"responses":1' in snapshots(socket)[-1]

    for entry in range(2, 52):  # a burst within the tick: held
        clock.now += 0.001
        room.apply(1, [word(entry, entry, "samen")], {})
        hub.mark(room)
        await hub.ticker.flush_due()
    assert len(snapshots(socket)) == before + 1

    clock.now = quiet + 0.1  # one tick after the last frame: the burst's latest state, in one frame
    await hub.ticker.flush_due()
    assert len(snapshots(socket)) == before + 2
    assert '"responses":51' in snapshots(socket)[-1]
    await hub.ticker.flush_due()
    assert len(snapshots(socket)) == before + 2  # nothing new, nothing sent


async def test_hub_ticker_sends_a_quiet_rooms_change_without_waiting_for_its_tick() -> None:
    # An hour's tick: only the leading edge can bring the change to the screen within the test.
    clock = FakeClock()
    hub = Hub(None, public_base="http://127.0.0.1:8000", tick=3600, monotonic=clock, loader=MemoryLoader())
    room = make_room()
    hub.rooms[room.meeting.id] = room
    socket = FakeSocket()
    await hub.start()
    try:
        hub.connect(room, Connection(socket, "presenter"))  # type: ignore[arg-type]
        while not snapshots(socket):
            await asyncio.sleep(0.001)
        clock.now += 3600  # quiet for a tick
        room.apply(1, [word(1, 1, "samen")], {})
        hub.mark(room)
        while '"responses":1' not in snapshots(socket)[-1]:
            await asyncio.sleep(0.001)
        room.apply(1, [word(2, 2, "samen")], {})  # within the tick: held for the next one
        hub.mark(room)
        await asyncio.sleep(0.05)
        assert '"responses":2' not in snapshots(socket)[-1]
    finally:
        await hub.stop()
