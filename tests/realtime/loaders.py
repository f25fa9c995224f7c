"""Loaders a test hands the hub instead of the database (the hub's loader is injected)."""

from __future__ import annotations

import asyncio
import dataclasses

from server.domain.meeting import MeetingInfo
from server.realtime.loader import Truth
from server.realtime.room import Room
from server.services.meetings import MeetingAuth
from server.services.qa import Beside


class MemoryLoader:
    """Rooms served from memory: ``meetings`` as stored, the rooms built from them by the test."""

    def __init__(self, *rooms: Room) -> None:
        self.rooms = {room.meeting.id: room for room in rooms}
        self.meetings: dict[int, MeetingInfo] = {room.meeting.id: room.meeting for room in rooms}
        self.auth: dict[int, MeetingAuth] = {room.meeting.id: room.auth for room in rooms}
        self.loads = 0

    async def meeting_id_for_code(self, code: str) -> int | None:
        return next((m.id for m in self.meetings.values() if m.code == code), None)

    async def load(self, meeting_id: int) -> Room | None:
        self.loads += 1
        return self.rooms.get(meeting_id)

    async def truth(self, meeting_id: int) -> Truth | None:
        meeting = self.meetings.get(meeting_id)
        room = self.rooms.get(meeting_id)
        if meeting is None or room is None:
            return None
        beside = room.beside
        return Truth(meeting, [], Beside(beside.board, beside.reactions_on, beside.reaction_set))

    async def refresh(self, meeting_id: int) -> tuple[MeetingInfo, MeetingAuth] | None:
        meeting = self.meetings.get(meeting_id)
        return None if meeting is None else (meeting, self.auth[meeting_id])


class SlowLoader(MemoryLoader):
    """A load that reads the meeting as it was and finishes only when the test says so; any later
    read (a refresh) sees the meeting as the test changed it meanwhile."""

    def __init__(self, room: Room) -> None:
        super().__init__(room)
        self.loading = asyncio.Event()
        self.release = asyncio.Event()

    async def load(self, meeting_id: int) -> Room | None:
        room = await super().load(meeting_id)
        self.loading.set()
        await self.release.wait()
        return room

    def change(self, meeting_id: int, **fields: object) -> None:
        self.meetings[meeting_id] = dataclasses.replace(self.meetings[meeting_id], **fields)  # type: ignore[arg-type]
