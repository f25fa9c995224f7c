"""The fan-out ticker: at most one frame per room per tick, always the latest state.

A room (or the bus to other workers) that changed is marked; the Pacer says when it may send: a
quiet room at once, a busy one with the next tick. The same loop moves the agenda clocks on the
big screens each second, drops connections that stopped reading, and keeps the presence reports
to other workers fresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from server.domain.agenda import Clock
from server.realtime.bus import Bus
from server.realtime.collector import Collector
from server.realtime.pacer import Pacer
from server.realtime.room import Room

log = logging.getLogger("kring.hub")

IDLE_WAKE = 0.25  # seconds the ticker sleeps at most when nothing happens
AGENDA_EVERY = timedelta(seconds=1)  # the big screens' agenda clock moves by the second
BUS = "bus"  # the pacer's key for the messages to other workers (rooms are keyed by meeting id)


class Ticker:
    def __init__(
        self,
        rooms: dict[int, Room],
        bus: Bus,
        *,
        tick: float,
        clock: Clock,
        collector: Collector,
        stall_seconds: float,
        monotonic: Callable[[], float],
    ) -> None:
        self.rooms = rooms  # the registry's: the ticker only reads it
        self.bus = bus
        self.clock = clock
        self.collector = collector
        self.stall_seconds = stall_seconds
        self.monotonic = monotonic
        self.pacer = Pacer(tick)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_sweep = 0.0
        self._agenda_at: datetime | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="kring-ticker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def mark(self, room: Room) -> None:
        """The room changed: it sends its frames at once when quiet, else with the next tick."""
        now = self.monotonic()
        woke = self.pacer.mark(room.meeting.id, now)
        if self.bus.shared:  # presence may have changed: other workers hear it with the frame
            woke = self.pacer.mark(BUS, now) or woke
        if woke:
            self._wake.set()

    def mark_bus(self, *, wake: bool = True) -> None:
        """A message for the other workers is queued: it goes with this tick's publish."""
        if self.pacer.mark(BUS, self.monotonic()) and wake:
            self._wake.set()

    async def _run(self) -> None:
        while True:
            # Wake a few times a second even when idle: the agenda clock goes out when it moved,
            # stalled clients are swept and presence reports to other workers stay fresh.
            wait = self.pacer.wait(self.monotonic())
            timeout = IDLE_WAKE if wait is None else min(wait, IDLE_WAKE)
            if timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            await self.flush_due()

    async def flush_due(self) -> None:
        """One round: the rooms (and the bus) whose turn it is, and the clocks."""
        started = self.monotonic()
        publish = False
        for key in self.pacer.take(started):
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
                await self.publish()
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
            self.pacer.forget(started)
            if self.bus.shared:  # the presence heartbeat, and an outbox left by a failed publish
                self.pacer.mark(BUS, started)

    async def publish(self) -> None:
        """This tick's messages to the other workers, with the presence counts that changed."""
        if not self.bus.shared:
            return
        self.bus.report_presence({m: len(r.present) for m, r in self.rooms.items()}, self.monotonic())
        await self.bus.publish()

    def _send_agendas(self) -> None:
        """Each second on the agenda's clock, a running agenda goes to the big screens and remotes."""
        for meeting_id, room in list(self.rooms.items()):
            try:
                room.send_agenda()
            except Exception:
                log.exception("sending the agenda of room %s failed", meeting_id)

    def _drop_stalled(self, now: float) -> None:
        for room in self.rooms.values():
            for connection in list(room.connections):
                if connection.stalled_for(now) > self.stall_seconds:
                    log.info("dropping a %s connection that stopped reading", connection.role)
                    connection.abandon()
