"""A commit for a room that is still loading on this host is applied once the room is there."""

from __future__ import annotations

import asyncio

from server.realtime.bus import ChangesMsg
from server.realtime.hub import Hub
from server.services.events import MeetingDeleted, StructureChanged
from tests.realtime.loaders import MemoryLoader, SlowLoader
from tests.realtime.test_room import make_room, word


async def test_a_structure_change_committed_while_the_room_loads_is_not_lost() -> None:
    loader = SlowLoader(make_room())
    hub = Hub(None, public_base="http://127.0.0.1:8000", loader=loader)
    loading = asyncio.create_task(hub.room(7))
    await loader.loading.wait()  # the load has read the meeting; now the facilitator's commit lands
    loader.change(7, title="Na de commit")
    await hub.publish([StructureChanged(meeting_id=7)])
    loader.release.set()
    room = await loading
    assert room is not None and room.meeting.title == "Na de commit"


async def test_a_message_from_another_worker_while_the_room_loads_is_applied_after() -> None:
    loader = SlowLoader(make_room())
    hub = Hub(None, public_base="http://127.0.0.1:8000", loader=loader)
    loading = asyncio.create_task(hub.room(7))
    await loader.loading.wait()
    change = ChangesMsg.of(7, 1, [word(1, 1, "samen")], {1: (1, 1)})
    await hub._on_remote_message("other-worker", change)
    loader.release.set()
    room = await loading
    assert room is not None and room.tallies[1].responses() == 1


async def test_concurrent_connections_load_a_room_once() -> None:
    loader = MemoryLoader(make_room())
    hub = Hub(None, public_base="http://127.0.0.1:8000", loader=loader)
    rooms = await asyncio.gather(*(hub.room(7) for _ in range(5)))
    assert all(r is rooms[0] for r in rooms) and loader.loads == 1
    assert hub.live_meeting_id(rooms[0].meeting.code) == 7  # type: ignore[union-attr]
    assert await hub.room(8) is None
    await hub.publish([MeetingDeleted(meeting_id=7)])
    assert 7 not in hub.rooms and hub.live_meeting_id("ABCDEF") is None
