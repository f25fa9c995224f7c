"""The live meetings held by this worker: their rooms by meeting id and by join code.

A room loads once however many connections ask for it at the same moment. A change committed
while a room loads may have been read before its commit or not: such changes are held and
applied (version-checked) once the room is there, as a message from another worker is.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from typing import Generic, TypeVar

from server.realtime.room import Room

M = TypeVar("M")


class Registry(Generic[M]):
    """Rooms by meeting, and the messages (``M``) held for rooms that are still loading."""

    def __init__(self) -> None:
        self.rooms: dict[int, Room] = {}
        self._codes: dict[str, int] = {}  # join code -> meeting id, for the rooms held here
        self._loading: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._held: dict[int, list[M]] = {}

    def get(self, meeting_id: int) -> Room | None:
        return self.rooms.get(meeting_id)

    def __iter__(self) -> Iterator[Room]:
        return iter(list(self.rooms.values()))

    def meeting_id(self, code: str) -> int | None:
        return self._codes.get(code)

    def loading(self, meeting_id: int) -> bool:
        return meeting_id in self._held

    def hold(self, meeting_id: int, message: M) -> bool:
        """Keep a message for a room that is loading; False when it is not loading."""
        held = self._held.get(meeting_id)
        if held is None:
            return False
        held.append(message)
        return True

    async def open(
        self,
        meeting_id: int,
        load: Callable[[int], Awaitable[Room | None]],
        apply_held: Callable[[Room, M], Awaitable[None]],
    ) -> Room | None:
        """The meeting's room, loaded the first time it is asked for; None when it does not exist."""
        room = self.rooms.get(meeting_id)
        if room is not None:
            return room
        async with self._loading[meeting_id]:
            room = self.rooms.get(meeting_id)
            if room is not None:
                return room
            self._held[meeting_id] = []
            try:
                room = await load(meeting_id)
                if room is not None:
                    self.rooms[meeting_id] = room
                    self._codes[room.meeting.code] = meeting_id
                    for message in self._held.get(meeting_id, []):
                        await apply_held(room, message)
            finally:
                self._held.pop(meeting_id, None)
            return room

    def close(self, meeting_id: int) -> Room | None:
        """Forget a room (its meeting was deleted); the caller closes its connections."""
        room = self.rooms.pop(meeting_id, None)
        if room is not None:
            self._codes.pop(room.meeting.code, None)
        return room
