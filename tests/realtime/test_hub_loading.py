"""A commit for a room that is still loading on this host is applied once the room is there."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from server.realtime.hub import Hub
from server.services.events import StructureChanged
from server.services.meetings import MeetingAuth
from tests.realtime.test_room import make_room


class SlowLoadingDatabase:
    """The room's load reads the meeting as it was, and finishes only when the test says so;
    any later read (the refresh) sees the meeting as the commit left it."""

    def __init__(self) -> None:
        self.before = make_room()
        self.after = dataclasses.replace(self.before.meeting, title="Na de commit")
        self.loading = asyncio.Event()
        self.release = asyncio.Event()

    async def run(self, fn: Any, *args: Any) -> Any:
        if getattr(fn, "__name__", "") == "_load":
            self.loading.set()
            await self.release.wait()
            return self.before
        return self.after, MeetingAuth(7, "h", "p")


async def test_a_structure_change_committed_while_the_room_loads_is_not_lost() -> None:
    db = SlowLoadingDatabase()
    hub = Hub(db=db, public_base="http://127.0.0.1:8000")  # type: ignore[arg-type]
    loading = asyncio.create_task(hub.room(7))
    await db.loading.wait()  # the load has read the meeting; now the facilitator's commit lands
    await hub.publish([StructureChanged(meeting_id=7)])
    db.release.set()
    room = await loading
    assert room is not None and room.meeting.title == "Na de commit"
