"""Rooms by meeting, the coalescing ticker, and applying events after their commit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterable

from server.db.database import Database
from server.realtime.connection import Connection
from server.realtime.messages import ClosingOut, dump
from server.realtime.room import Room
from server.services import answers as answer_service
from server.services import meetings as meeting_service
from server.services.answers import BatchResult
from server.services.events import (
    AnswersCommitted,
    Event,
    MeetingDeleted,
    StructureChanged,
    TallyReset,
)

log = logging.getLogger("kring.hub")


class Hub:
    def __init__(self, db: Database, *, public_base: str, tick: float = 0.1, naive: bool = False) -> None:
        self.db = db
        self.public_base = public_base
        self.tick = tick
        self.naive = naive
        self.rooms: dict[int, Room] = {}
        self._loading: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._dirty: set[int] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def join_url(self, code: str) -> str:
        return f"{self.public_base}/{code}"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._ticker(), name="kring-ticker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        frame = dump(ClosingOut(reason="server stopping"))
        for room in self.rooms.values():
            for connection in list(room.connections):
                connection.push(frame)
        await asyncio.gather(
            *(c.flush(0.5) for r in self.rooms.values() for c in r.connections),
            return_exceptions=True,
        )
        for room in self.rooms.values():
            for connection in list(room.connections):
                connection.close_soon(1001, "server stopping")

    # -- rooms -------------------------------------------------------------------------------

    async def room(self, meeting_id: int) -> Room | None:
        room = self.rooms.get(meeting_id)
        if room is not None:
            return room
        async with self._loading[meeting_id]:
            room = self.rooms.get(meeting_id)
            if room is not None:
                return room
            room = await self.db.run(self._load, meeting_id)
            if room is not None:
                self.rooms[meeting_id] = room
            return room

    def _load(self, session: object, meeting_id: int) -> Room | None:
        from sqlmodel import Session

        assert isinstance(session, Session)
        meeting = meeting_service.load_meeting(session, meeting_id)
        if meeting is None:
            return None
        auth = meeting_service.meeting_auth(session, meeting.code)
        assert auth is not None
        room = Room(meeting, auth, self.join_url(meeting.code))
        room.load_answers(answer_service.load_answers(session, meeting_id))
        return room

    def connect(self, room: Room, connection: Connection) -> None:
        room.add(connection)
        connection.start()
        room.greet(connection)
        self._mark(room)

    async def disconnect(self, room: Room, connection: Connection) -> None:
        room.remove(connection)
        await connection.stop()
        self._mark(room)

    # -- events ------------------------------------------------------------------------------

    async def publish(self, events: Iterable[Event]) -> None:
        """Apply events that a committed transaction produced."""
        for event in events:
            room = self.rooms.get(event.meeting_id)
            if room is None:
                continue  # nobody is watching; the room loads fresh from the database
            if isinstance(event, StructureChanged):
                meeting = await self.db.run(meeting_service.load_meeting, event.meeting_id)
                if meeting is None:
                    self._close_room(event.meeting_id)
                    continue
                room.set_meeting(meeting)
            elif isinstance(event, TallyReset):
                room.reset(event.activity_id)
            elif isinstance(event, AnswersCommitted):
                room.apply(event.activity_id, list(event.changes))
            elif isinstance(event, MeetingDeleted):
                self._close_room(event.meeting_id)
                continue
            self._mark(room)

    def answers_committed(self, batch: BatchResult) -> None:
        """The batcher's hook: runs once per committed batch, before any ack is sent."""
        meeting_of = {r.op.activity_id: r.op.meeting_id for r in batch.results}
        for activity_id, changes in batch.changes.items():
            room = self.rooms.get(meeting_of[activity_id])
            if room is not None:
                room.apply(activity_id, changes)
                self._mark(room)

    def _close_room(self, meeting_id: int) -> None:
        room = self.rooms.pop(meeting_id, None)
        if room is None:
            return
        frame = dump(ClosingOut(reason="meeting deleted"))
        for connection in list(room.connections):
            connection.push(frame)
            connection.close_soon(1000, "meeting deleted")

    # -- ticking -----------------------------------------------------------------------------

    def _mark(self, room: Room) -> None:
        if self.naive:
            room.flush()
            return
        self._dirty.add(room.meeting.id)
        self._wake.set()

    async def _ticker(self) -> None:
        """At most one frame per room per tick, always the latest state."""
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            started = loop.time()
            dirty, self._dirty = self._dirty, set()
            for meeting_id in dirty:
                room = self.rooms.get(meeting_id)
                if room is not None and room.dirty:
                    try:
                        room.flush()
                    except Exception:
                        log.exception("flushing room %s failed", meeting_id)
            await asyncio.sleep(max(0.0, self.tick - (loop.time() - started)))
