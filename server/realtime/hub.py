"""Rooms by meeting, the coalescing ticker, and applying events after their commit.

With several workers, each holds its own copy of a room; committed tally deltas and "reload"
notices travel through the broadcast backend once per tick, and the database stays the truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from server.db.database import Database
from server.domain.agenda import Clock, SystemClock
from server.kinds import Change
from server.realtime.backends import Broadcast, MemoryBroadcast
from server.realtime.collector import Collector
from server.realtime.connection import Connection
from server.realtime.invariants import InvariantBroken, differences
from server.realtime.invariants import log as invariant_log
from server.realtime.messages import ClosingOut, ErrorOut, dump
from server.realtime.pacer import Pacer
from server.realtime.room import Room
from server.services import answers as answer_service
from server.services import meetings as meeting_service
from server.services import qa as qa_service
from server.services import questionnaires
from server.services.answers import BatchResult, StoredAnswer
from server.services.events import (
    Event,
    MeetingDeleted,
    StructureChanged,
    TallyReset,
)

log = logging.getLogger("kring.hub")

PRESENCE_HEARTBEAT = 5.0
IDLE_WAKE = 0.25  # seconds the ticker sleeps at most when nothing happens
AGENDA_EVERY = timedelta(seconds=1)  # the big screens' agenda clock moves by the second
PUBLISH_CHUNK = 2_000  # messages per PUBLISH payload (a tick rarely carries more than one chunk)
BUS = "bus"  # the pacer's key for the messages to other workers (rooms are keyed by meeting id)


def join_url(base: str, code: str, secret: str = "") -> str:
    return f"{base}/{code}#j={secret}" if secret else f"{base}/{code}"


class Hub:
    def __init__(
        self,
        db: Database,
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
    ) -> None:
        self.db = db
        self.check_invariants = check_invariants
        # What KRING_CHECK_INVARIANTS found: once set, the server reports itself unhealthy.
        self.broken: list[str] = []
        # Held by whoever writes answer rows (the batcher, a reset) from its commit until the
        # rooms applied it: rooms then see those writes in the order they were committed.
        self.answer_writes = asyncio.Lock()
        self.clock: Clock = clock or SystemClock()
        self.public_base = public_base
        self.tick = tick
        self.naive = naive
        self.stall_seconds = stall_seconds
        self.collector = collector or Collector(0)
        self.broadcast: Broadcast = broadcast or MemoryBroadcast()
        self.rooms: dict[int, Room] = {}
        self._codes: dict[str, int] = {}  # join code -> meeting id, for the rooms held here
        self._loading: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        # Remote messages for a room that is being loaded; applied (version-checked) after.
        self._held: dict[int, list[dict[str, Any]]] = {}
        # Which rooms (and the bus) have changes to send, and when they may: see Pacer.
        self._pacer = Pacer(tick)
        self._monotonic = monotonic
        self._outbox: list[dict[str, Any]] = []
        self._presence_sent: dict[int, tuple[int, float]] = {}
        self._resync_owed = False
        self._last_sweep = 0.0
        self._agenda_at: datetime | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Messages from other workers that a feature beside the activities handles (by "t").
        self.remote_handlers: dict[str, Callable[[Room, dict[str, Any]], Awaitable[None]]] = {}

    def join_url(self, code: str, secret: str = "") -> str:
        """The link a phone opens; with the meeting's join secret for the QR code and the screens.
        The secret rides in the fragment: browsers never send it, so no access log holds it."""
        return join_url(self.public_base, code, secret)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._task is None:
            self.collector.start()
            await self.broadcast.start(self._on_remote, self.resync)
            self._task = asyncio.create_task(self._ticker(), name="kring-ticker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.collector.stop()
        await self._publish_outbox()
        await self.broadcast.stop()
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

    def live_meeting_id(self, code: str) -> int | None:
        """The meeting id when its room is held here (memory only)."""
        return self._codes.get(code)

    async def meeting_id_for_code(self, code: str) -> int | None:
        """A live room answers from memory (a join storm asks twice per phone); others ask the
        database."""
        meeting_id = self._codes.get(code)
        if meeting_id is None:
            meeting_id = await self.db.run(meeting_service.meeting_id_for_code, code)
        return meeting_id

    async def room(self, meeting_id: int) -> Room | None:
        room = self.rooms.get(meeting_id)
        if room is not None:
            return room
        async with self._loading[meeting_id]:
            room = self.rooms.get(meeting_id)
            if room is not None:
                return room
            self._held[meeting_id] = []
            try:
                room = await self.db.run(self._load, meeting_id)
                if room is not None:
                    self.rooms[meeting_id] = room
                    self._codes[room.meeting.code] = meeting_id
                    for message in self._held.get(meeting_id, []):
                        await self._apply_remote(room, message)
            finally:
                self._held.pop(meeting_id, None)
            return room

    def _load(self, session: Session, meeting_id: int) -> Room | None:
        meeting = meeting_service.load_meeting(session, meeting_id)
        if meeting is None:
            return None
        auth = meeting_service.meeting_auth(session, meeting.code)
        assert auth is not None
        room = Room(meeting, auth, self.join_url(meeting.code, auth.join_secret), self.clock)
        room.load_answers(answer_service.load_answers(session, meeting_id))
        room.beside.load(qa_service.load_beside(session, meeting_id))
        room.pace.load(*questionnaires.progress_for(session, meeting.questionnaire, None))
        return room

    async def _reload(self, room: Room) -> None:
        """Rebuild a room's meeting and tallies from the database, keeping its connections."""

        def read(session: Session) -> tuple[Any, list[StoredAnswer], Any]:
            meeting = meeting_service.load_meeting(session, room.meeting.id)
            steps = questionnaires.progress_for(session, meeting.questionnaire if meeting else None, None)
            return meeting, answer_service.load_answers(session, room.meeting.id), steps

        meeting, answers, steps = await self.db.run(read)
        if meeting is None:
            self._close_room(room.meeting.id)
            return
        room.set_meeting(meeting)
        room.pace.load(*steps)
        room.load_answers(answers)
        room.beside.load(await self.db.run(qa_service.load_beside, room.meeting.id))
        self._mark(room)

    async def _refresh(self, room: Room) -> bool:
        """Reload a room's meeting and keys (not its answers); False when it is gone."""

        held = room.pace.questionnaire

        def read(session: Session) -> tuple[Any, Any, Any]:
            meeting = meeting_service.load_meeting(session, room.meeting.id)
            auth = meeting_service.meeting_auth(session, meeting.code) if meeting else None
            steps = questionnaires.progress_for(session, meeting.questionnaire if meeting else None, held)
            return meeting, auth, steps

        meeting, auth, steps = await self.db.run(read)
        if meeting is None or auth is None:
            self._close_room(room.meeting.id)
            return False
        room.set_meeting(meeting)
        room.pace.load(*steps)
        room.set_auth(auth)
        return True

    async def resync(self) -> None:
        """After the broadcast backend was unreachable: every room from the truth."""
        for room in list(self.rooms.values()):
            try:
                await self._reload(room)
            except Exception:
                log.exception("resynchronising room %s failed", room.meeting.id)
        self._presence_sent.clear()

    def connect(self, room: Room, connection: Connection) -> None:
        self.collector.busy()
        room.add(connection)
        room.greet(connection)
        self._mark(room)

    async def disconnect(self, room: Room, connection: Connection) -> None:
        room.remove(connection)
        await connection.stop()
        self._mark(room)

    # -- events ------------------------------------------------------------------------------

    async def publish(self, events: Iterable[Event]) -> None:
        """Apply events that a committed transaction produced, here and in the other workers."""
        for event in events:
            message: dict[str, Any] | None = None
            if isinstance(event, StructureChanged):
                message = {"t": "structure", "m": event.meeting_id}
            elif isinstance(event, TallyReset):
                message = {"t": "reset", "m": event.meeting_id, "a": event.activity_id}
            elif isinstance(event, MeetingDeleted):
                message = {"t": "deleted", "m": event.meeting_id}
            if message is not None:
                self._send(message)
                self._hold(event.meeting_id, message)
            room = self.rooms.get(event.meeting_id)
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
            self._mark(room)

    def answers_committed(self, batch: BatchResult) -> None:
        """The batcher's hook: runs once per committed batch, before any ack is sent."""
        self.collector.busy()
        meeting_of = {r.op.activity_id: r.op.meeting_id for r in batch.results}
        for activity_id, changes in batch.changes.items():
            meeting_id = meeting_of[activity_id]
            if self.broadcast.shared or meeting_id in self._held:
                message = {
                    "t": "changes",
                    "m": meeting_id,
                    "a": activity_id,
                    "c": [_encode(c, batch.versions.get(c.entry_id)) for c in changes],
                }
                self._send(message, wake=False)
                self._hold(meeting_id, message)
            room = self.rooms.get(meeting_id)
            if room is None:
                continue
            if self.naive:  # the baseline: a broadcast for every single answer
                for change in changes:
                    room.apply(activity_id, [change], batch.versions)
                    room.flush(naive=True)
                continue
            room.apply(activity_id, changes, batch.versions)
            self._mark(room)
        if batch.truth is not None and not self.broadcast.shared:
            # With other workers, their deltas arrive a tick later by design: only one worker
            # can compare itself with the database at any moment.
            for meeting_id in set(meeting_of.values()):
                room = self.rooms.get(meeting_id)
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
        frame = dump(ErrorOut(code="invariant_broken", message="The live results and the database disagree."))
        for connection in list(room.connections):
            connection.push(frame)
            connection.close_soon(1011, "invariant broken")
        raise InvariantBroken(said)

    def _hold(self, meeting_id: int, message: dict[str, Any]) -> None:
        """A commit for a room that is being loaded: its read may have come before the commit,
        so the change is applied (version-checked) once the room is there, as a remote one is."""
        held = self._held.get(meeting_id)
        if held is not None:
            held.append(message)

    def _close_room(self, meeting_id: int) -> None:
        room = self.rooms.pop(meeting_id, None)
        if room is None:
            return
        self._codes.pop(room.meeting.code, None)
        frame = dump(ClosingOut(reason="meeting deleted"))
        for connection in list(room.connections):
            connection.push(frame)
            connection.close_soon(1000, "meeting deleted")

    # -- between workers ---------------------------------------------------------------------

    def _send(self, message: dict[str, Any], *, wake: bool = True) -> None:
        if not self.broadcast.shared:
            return
        self._outbox.append(message)
        if len(self._outbox) > 10_000:
            # Redis is gone for long: the others will resynchronise from the database anyway.
            self._outbox.clear()
            self._resync_owed = True
        if self._pacer.mark(BUS, self._monotonic()) and wake:
            self._wake.set()

    async def _publish_outbox(self) -> None:
        if not self.broadcast.shared:
            return
        now = self._monotonic()
        for meeting_id, room in self.rooms.items():
            count = len(room.present)
            sent = self._presence_sent.get(meeting_id)
            if sent is None or sent[0] != count or now - sent[1] > PRESENCE_HEARTBEAT:
                self._outbox.append({"t": "presence", "m": meeting_id, "n": count})
                self._presence_sent[meeting_id] = (count, now)
        if not self._outbox:
            return
        messages = self._outbox
        if self._resync_owed:
            messages = [{"t": "resync"}, *messages]
        # One PUBLISH per tick, whatever the answer rate: the tick's messages travel together.
        worker = self.broadcast.worker_id
        encoded = [
            json.dumps({"w": worker, "batch": messages[i : i + PUBLISH_CHUNK]}).encode()
            for i in range(0, len(messages), PUBLISH_CHUNK)
        ]
        self._outbox = []
        if await self.broadcast.publish(encoded):
            self._resync_owed = False
        else:
            # These deltas are lost to the other workers: when Redis is back, they reload.
            self._resync_owed = True
            self._presence_sent.clear()

    async def _on_remote(self, raw: bytes) -> None:
        try:
            envelope = json.loads(raw)
        except ValueError:
            return
        if not isinstance(envelope, dict) or envelope.get("w") == self.broadcast.worker_id:
            return
        batch = envelope.get("batch")
        if not isinstance(batch, list):
            return
        for message in batch:
            if isinstance(message, dict):
                await self._on_remote_message({**message, "w": envelope.get("w")})

    async def _on_remote_message(self, message: dict[str, Any]) -> None:
        if message.get("t") == "resync":
            await self.resync()
            return
        meeting_id = message.get("m")
        if meeting_id in self._held:
            self._held[meeting_id].append(message)
            return
        room = self.rooms.get(meeting_id) if isinstance(meeting_id, int) else None
        if room is not None:
            await self._apply_remote(room, message)

    async def _apply_remote(self, room: Room, message: dict[str, Any]) -> None:
        message_type = message.get("t")
        try:
            if message_type == "changes":
                changes, versions = _decode(message["c"])
                room.apply(int(message["a"]), changes, versions)
            elif message_type == "structure":
                if not await self._refresh(room):
                    return
            elif message_type == "reset":
                room.reset(int(message["a"]))
            elif message_type == "deleted":
                self._close_room(room.meeting.id)
                return
            elif message_type == "presence":
                room.report_presence(str(message["w"]), int(message["n"]))
            elif isinstance(message_type, str) and message_type in self.remote_handlers:
                await self.remote_handlers[message_type](room, message)
            else:
                return
        except Exception:
            log.exception("could not apply a %s message from another worker; reloading", message_type)
            await self._reload(room)
        self._mark(room)

    # -- ticking -----------------------------------------------------------------------------

    def _drop_stalled(self, now: float) -> None:
        for room in self.rooms.values():
            for connection in list(room.connections):
                if connection.stalled_for(now) > self.stall_seconds:
                    log.info("dropping a %s connection that stopped reading", connection.role)
                    connection.abandon()

    def _send_agendas(self) -> None:
        """Each second on the agenda's clock, a running agenda goes to the big screens and remotes."""
        for meeting_id, room in list(self.rooms.items()):
            try:
                room.send_agenda()
            except Exception:
                log.exception("sending the agenda of room %s failed", meeting_id)

    def send(self, message: dict[str, Any]) -> None:
        """To the other workers with this tick's messages (nothing without a shared backend)."""
        self._send(message)

    def mark(self, room: Room) -> None:
        """The room changed: it sends its frames at once when quiet, else with the next tick."""
        self._mark(room)

    def _mark(self, room: Room) -> None:
        if self.naive:
            room.flush(naive=True)
            return
        now = self._monotonic()
        woke = self._pacer.mark(room.meeting.id, now)
        if self.broadcast.shared:  # presence may have changed: other workers hear it with the frame
            woke = self._pacer.mark(BUS, now) or woke
        if woke:
            self._wake.set()

    async def _ticker(self) -> None:
        """At most one frame per room per tick, always the latest state; a quiet room's at once."""
        while True:
            # Wake a few times a second even when idle: the agenda clock goes out when it moved,
            # stalled clients are swept and presence reports to other workers stay fresh.
            wait = self._pacer.wait(self._monotonic())
            timeout = IDLE_WAKE if wait is None else min(wait, IDLE_WAKE)
            if timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            await self._flush_due()

    async def _flush_due(self) -> None:
        """One round of the ticker: the rooms (and the bus) whose turn it is, and the clocks."""
        started = self._monotonic()
        publish = False
        for key in self._pacer.take(started):
            if key == BUS:
                publish = True
                continue
            room = self.rooms.get(key) if isinstance(key, int) else None
            if room is not None and room.dirty:
                try:
                    room.flush()
                except Exception:
                    log.exception("flushing room %s failed", key)
        if publish:
            try:
                await self._publish_outbox()
            except Exception:
                log.exception("publishing to the other workers failed")
        now = self.clock.now()
        if self._agenda_at is None or not timedelta(0) <= now - self._agenda_at < AGENDA_EVERY:
            self._agenda_at = now  # a second on the agenda's clock (an injected one may jump)
            self._send_agendas()
        if started - self._last_sweep > 1.0:
            self._last_sweep = started
            self._drop_stalled(asyncio.get_running_loop().time())  # the clock sends are timed on
            self.collector.tick()
            self._pacer.forget(started)
            if self.broadcast.shared:  # the presence heartbeat, and an outbox left by a failed publish
                self._pacer.mark(BUS, started)


def _encode(change: Change, version: tuple[int, int] | None) -> list[Any]:
    rev = version[1] if version else 0
    return [change.participant, change.slot, change.entry_id, change.new, change.nickname, rev]


def _decode(rows: list[list[Any]]) -> tuple[list[Change], dict[int, tuple[int, int]]]:
    changes: list[Change] = []
    versions: dict[int, tuple[int, int]] = {}
    for participant, slot, entry_id, new, nickname, rev in rows:
        # The old value is the receiving room's own copy; it is filled in by Room.apply.
        changes.append(Change(int(participant), str(slot), int(entry_id), None, new, nickname))
        versions[int(entry_id)] = (int(entry_id), int(rev))
    return changes, versions
