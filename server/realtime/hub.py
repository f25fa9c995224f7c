"""The hub: what the routes and the batchers talk to, over the parts of the realtime layer.

Split the way Centrifugo splits hub, broker and presence:
- the registry of live meetings (registry.py) holds a room per meeting, each the live state of
  its meeting (room.py, frames.py);
- the ticker (ticker.py) fans the rooms' frames out, at most one per room per tick;
- the bus (bus.py) carries typed messages between workers;
- the loader (loader.py), injected, reads rooms from the database.

With several workers, each holds its own copy of a room; committed tally deltas and "reload"
notices travel over the bus once per tick, and the database stays the truth.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from server.db.database import Database
from server.domain.agenda import Clock, SystemClock
from server.domain.errors import Code
from server.realtime.backends import Broadcast, MemoryBroadcast
from server.realtime.bus import (
    Bus,
    BusMessage,
    ChangesMsg,
    DeletedMsg,
    ErasedMsg,
    PresenceMsg,
    ResetMsg,
    ResyncMsg,
    RoomMessage,
    StructureMsg,
    Unreadable,
    read_message,
)
from server.realtime.collector import Collector
from server.realtime.connection import Connection
from server.realtime.invariants import InvariantBroken, differences
from server.realtime.invariants import log as invariant_log
from server.realtime.loader import DatabaseLoader, RoomLoader
from server.realtime.messages import ClosingOut, ErrorOut, dump
from server.realtime.registry import Registry
from server.realtime.room import Room
from server.realtime.ticker import Ticker
from server.services.answers import BatchResult, StoredAnswer
from server.services.events import Event, MeetingDeleted, StructureChanged, TallyReset

log = logging.getLogger("kring.hub")

# A message from another worker (or a local commit held for a loading room), with its sender.
Held = tuple[str, RoomMessage]
# Features beside the activities handle their own messages (Q&A, reactions, signals).
RemoteHandler = Callable[[Room, Any], Awaitable[None]]


def join_url(base: str, code: str, secret: str = "") -> str:
    return f"{base}/{code}#j={secret}" if secret else f"{base}/{code}"


class Hub:
    def __init__(
        self,
        db: Database | None,
        *,
        public_base: str,
        tick: float = 0.1,
        naive: bool = False,
        broadcast: Broadcast | None = None,
        stall_seconds: float = 10.0,
        clock: Clock | None = None,
        collector: Collector | None = None,
        check_invariants: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
        loader: RoomLoader | None = None,
    ) -> None:
        self.check_invariants = check_invariants
        # What KRING_CHECK_INVARIANTS found: once set, the server reports itself unhealthy.
        self.broken: list[str] = []
        # Held by whoever writes answer rows (the batcher, a reset) from its commit until the
        # rooms applied it: rooms then see those writes in the order they were committed.
        self.answer_writes = asyncio.Lock()
        self.clock: Clock = clock or SystemClock()
        self.public_base = public_base
        self.naive = naive
        self.collector = collector or Collector(0)
        if loader is None:
            assert db is not None, "a hub reads its rooms from a database, or from the loader it is given"
            loader = DatabaseLoader(db, self.clock, self.join_url)
        self.loader: RoomLoader = loader
        self.registry: Registry[Held] = Registry()
        self.bus = Bus(broadcast or MemoryBroadcast())
        self.ticker = Ticker(
            self.registry.rooms,
            self.bus,
            tick=tick,
            clock=self.clock,
            collector=self.collector,
            stall_seconds=stall_seconds,
            monotonic=monotonic,
        )
        self.remote_handlers: dict[str, RemoteHandler] = {}
        self._started = False

    @property
    def rooms(self) -> dict[int, Room]:
        """The rooms held here by meeting id (the registry's own mapping)."""
        return self.registry.rooms

    @property
    def broadcast(self) -> Broadcast:
        return self.bus.broadcast

    def join_url(self, code: str, secret: str = "") -> str:
        """The link a phone opens; with the meeting's join secret for the QR code and the screens.
        The secret rides in the fragment: browsers never send it, so no access log holds it."""
        return join_url(self.public_base, code, secret)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if not self._started:
            self._started = True
            self.collector.start()
            await self.broadcast.start(self._on_remote, self.resync)
            self.ticker.start()

    async def stop(self) -> None:
        self._started = False
        await self.ticker.stop()
        self.collector.stop()
        await self.ticker.publish()
        await self.broadcast.stop()
        frame = dump(ClosingOut(reason="server stopping"))
        for room in self.registry:
            for connection in list(room.connections):
                connection.push(frame)
        await asyncio.gather(
            *(c.flush(0.5) for r in self.registry for c in r.connections),
            return_exceptions=True,
        )
        for room in self.registry:
            for connection in list(room.connections):
                connection.close_soon(1001, "server stopping")

    # -- rooms -------------------------------------------------------------------------------

    def live_meeting_id(self, code: str) -> int | None:
        """The meeting id when its room is held here (memory only)."""
        return self.registry.meeting_id(code)

    async def meeting_id_for_code(self, code: str) -> int | None:
        """A live room answers from memory (a join storm asks twice per phone); others ask the
        loader."""
        meeting_id = self.registry.meeting_id(code)
        if meeting_id is None:
            meeting_id = await self.loader.meeting_id_for_code(code)
        return meeting_id

    async def room(self, meeting_id: int) -> Room | None:
        return await self.registry.open(meeting_id, self.loader.load, self._apply_held)

    async def _apply_held(self, room: Room, held: Held) -> None:
        await self._apply_remote(room, *held)

    async def _reload(self, room: Room) -> None:
        """Rebuild a room's meeting and tallies from the database, keeping its connections."""
        truth = await self.loader.truth(room.meeting.id)
        if truth is None:
            self._close_room(room.meeting.id)
            return
        room.set_meeting(truth.meeting)
        room.load_answers(truth.answers)
        room.beside.load(truth.beside)
        room.pace.load(*truth.steps)
        self.mark(room)

    async def _refresh(self, room: Room) -> bool:
        """Reload a room's meeting and keys (not its answers); False when it is gone."""
        found = await self.loader.refresh(room.meeting.id)
        if found is None:
            self._close_room(room.meeting.id)
            return False
        room.set_meeting(found[0])
        room.set_auth(found[1])
        return True

    async def erased(self, meeting_id: int, participant_ids: list[int]) -> None:
        """Participants were erased: the room forgets them and reloads its tallies and Q&A from
        the database, here and on the other workers (the invariants hold: room equals database)."""
        message = ErasedMsg(m=meeting_id, p=participant_ids)
        self.send(message)
        self.registry.hold(meeting_id, (self.bus.worker_id, message))
        room = self.registry.get(meeting_id)
        if room is not None:
            room.forget(participant_ids)
            await self._reload(room)

    async def resync(self) -> None:
        """After the broadcast backend was unreachable: every room from the truth."""
        for room in self.registry:
            try:
                await self._reload(room)
            except Exception:
                log.exception("resynchronising room %s failed", room.meeting.id)
        self.bus.forget_presence()

    async def writes_lost(self) -> None:
        """A batch of answers may or may not have been committed (its writer process died): the
        rooms here and on the other workers reload from the database, which knows."""
        self.send(ResyncMsg())
        for room in self.registry:
            try:
                await self._reload(room)
            except Exception:
                log.exception("reloading room %s failed", room.meeting.id)

    def connect(self, room: Room, connection: Connection) -> None:
        self.collector.busy()
        room.add(connection)
        room.greet(connection)
        self.mark(room)

    async def disconnect(self, room: Room, connection: Connection) -> None:
        room.remove(connection)
        await connection.stop()
        self.mark(room)

    def _close_room(self, meeting_id: int) -> None:
        room = self.registry.close(meeting_id)
        if room is None:
            return
        frame = dump(ClosingOut(reason="meeting deleted"))
        for connection in list(room.connections):
            connection.push(frame)
            connection.close_soon(1000, "meeting deleted")

    # -- events ------------------------------------------------------------------------------

    async def publish(self, events: Iterable[Event]) -> None:
        """Apply events that a committed transaction produced, here and in the other workers."""
        # The facilitator is at work (a reveal, an open, often several in a row): a full collection
        # now would hold up the next one's fan-out to every phone, as answers and joins would.
        self.collector.busy()
        for event in events:
            message: RoomMessage | None = None
            if isinstance(event, StructureChanged):
                message = StructureMsg(m=event.meeting_id)
            elif isinstance(event, TallyReset):
                message = ResetMsg(m=event.meeting_id, a=event.activity_id)
            elif isinstance(event, MeetingDeleted):
                message = DeletedMsg(m=event.meeting_id)
            if message is not None:
                self.send(message)
                self.registry.hold(event.meeting_id, (self.bus.worker_id, message))
            room = self.registry.get(event.meeting_id)
            if room is None:
                continue  # nobody is watching here; the room loads fresh from the database
            if isinstance(event, StructureChanged):
                if not await self._refresh(room):
                    continue
            elif isinstance(event, TallyReset):
                room.reset(event.activity_id)
            elif isinstance(event, MeetingDeleted):
                self._close_room(event.meeting_id)
                continue
            self.mark(room)

    def answers_committed(self, batch: BatchResult) -> None:
        """The batcher's hook: runs once per committed batch, before any ack is sent."""
        self.collector.busy()
        meeting_of = {r.op.activity_id: r.op.meeting_id for r in batch.results}
        for activity_id, changes in batch.changes.items():
            meeting_id = meeting_of[activity_id]
            if self.bus.shared or self.registry.loading(meeting_id):
                message = ChangesMsg.of(meeting_id, activity_id, changes, batch.versions)
                self.send(message, wake=False)
                self.registry.hold(meeting_id, (self.bus.worker_id, message))
            room = self.registry.get(meeting_id)
            if room is None:
                continue
            if self.naive:  # the baseline: a broadcast for every single answer
                for change in changes:
                    room.apply(activity_id, [change], batch.versions)
                    room.flush(naive=True)
                continue
            room.apply(activity_id, changes, batch.versions)
            self.mark(room)
        if batch.truth is not None and not self.bus.shared:
            # With other workers, their deltas arrive a tick later by design: only one worker
            # can compare itself with the database at any moment.
            for meeting_id in set(meeting_of.values()):
                room = self.registry.get(meeting_id)
                if room is not None:
                    self._check(
                        room, {a: batch.truth.get(a, []) for a, m in meeting_of.items() if m == meeting_id}
                    )

    def _check(self, room: Room, truth: dict[int, list[StoredAnswer]]) -> None:
        """Fail loudly when the room's tallies differ from the recount: log it, report the
        server unhealthy (/healthz), close the room's sockets (1011) and raise."""
        found = differences(room, truth)
        if not found:
            return
        said = f"INVARIANT BROKEN in meeting {room.meeting.id}: " + "; ".join(found)
        invariant_log.critical("%s", said)
        self.broken.append(said)
        frame = dump(
            ErrorOut(code=Code.INVARIANT_BROKEN, message="The live results and the database disagree.")
        )
        for connection in list(room.connections):
            connection.push(frame)
            connection.close_soon(1011, "invariant broken")
        raise InvariantBroken(said)

    # -- between workers ---------------------------------------------------------------------

    def send(self, message: BusMessage, *, wake: bool = True) -> None:
        """To the other workers with this tick's messages (nothing without a shared backend)."""
        if self.bus.queue(message):
            self.ticker.mark_bus(wake=wake)

    async def _on_remote(self, raw: bytes) -> None:
        unwrapped = self.bus.unwrap(raw)
        if unwrapped is None:
            return
        worker, batch = unwrapped
        for data in batch:
            try:
                message = read_message(data)
            except Unreadable as unreadable:
                # What it said is lost here: a room it names rebuilds itself from the database.
                log.warning("unreadable message from worker %s: %s", worker, unreadable)
                room = self.registry.get(unreadable.meeting_id) if unreadable.meeting_id is not None else None
                if room is not None:
                    await self._reload(room)
                continue
            await self._on_remote_message(worker, message)

    async def _on_remote_message(self, worker: str, message: BusMessage) -> None:
        if isinstance(message, ResyncMsg):
            await self.resync()
            return
        if self.registry.hold(message.m, (worker, message)):
            return
        room = self.registry.get(message.m)
        if room is not None:
            await self._apply_remote(room, worker, message)

    async def _apply_remote(self, room: Room, worker: str, message: RoomMessage) -> None:
        try:
            if isinstance(message, ChangesMsg):
                changes, versions = message.decode()
                room.apply(message.a, changes, versions)
            elif isinstance(message, StructureMsg):
                if not await self._refresh(room):
                    return
            elif isinstance(message, ResetMsg):
                room.reset(message.a)
            elif isinstance(message, ErasedMsg):
                room.forget(message.p)
                await self._reload(room)
            elif isinstance(message, DeletedMsg):
                self._close_room(room.meeting.id)
                return
            elif isinstance(message, PresenceMsg):
                room.report_presence(worker, message.n)
            elif message.t in self.remote_handlers:  # a feature beside the activities (Q&A, pace, …)
                await self.remote_handlers[message.t](room, message)
            else:
                return
        except Exception:
            log.exception("could not apply a %s message from another worker; reloading", message.t)
            await self._reload(room)
        self.mark(room)

    # -- ticking -----------------------------------------------------------------------------

    def mark(self, room: Room) -> None:
        """The room changed: it sends its frames at once when quiet, else with the next tick."""
        if self.naive:
            room.flush(naive=True)
            return
        self.ticker.mark(room)
