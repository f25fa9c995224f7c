"""``python -m bench fanout-cpu``: the CPU a room spends on the reveal, and a question's open, to N
phones, in-process (no sockets, no generator: robust to a busy machine).

A Room with ``n`` phone connections on the direct transport (server/realtime/transport.py), each
writing to a transport that only counts what it is given. The word cloud gets the scaling suite's
answers first (bench/suites.py: 1,000 answers/s for 20 s, each phone in turn replacing its one
word by one of 60). Then, ``times`` each: the results revealed to the phones (``set_meeting`` and
``flush``, as the hub does after the route's commit), and a new word cloud opened (phones without
nicknames, as the load generator's, then with a nickname each). Measured with
``time.process_time()``: CPU-ms per flush and µs per phone; and, in a separate counting pass,
frames serialised (``dump``), frames encoded for the wire, writes and bytes per flush. With
``--profile``, cProfile's top functions of one reveal. Writes ``bench/results/fanout-cpu.json``.
"""

from __future__ import annotations

import asyncio
import cProfile
import dataclasses
import gc
import io
import json
import pstats
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from starlette.websockets import WebSocketState
from websockets.protocol import State

from bench.report import RESULTS
from server.domain.meeting import ActivityInfo, MeetingInfo
from server.kinds import Change
from server.realtime import frames as frames_module
from server.realtime import transport as transport_module
from server.realtime.connection import Connection
from server.realtime.room import Room
from server.realtime.transport import DirectTransport
from server.services.meetings import MeetingAuth

WORDS = 60  # bench.scenarios.answering's default
RATE, SECONDS = 1000, 20  # the scaling suite's answering phase


class CountingTransport:
    """What uvicorn's protocol writes to: here it only counts."""

    __slots__ = ("bytes", "writes")

    def __init__(self) -> None:
        self.writes = 0
        self.bytes = 0

    def write(self, data: bytes) -> None:
        self.writes += 1
        self.bytes += len(data)

    def is_closing(self) -> bool:
        return False


class _Conn:
    extensions: tuple[()] = ()
    state = State.OPEN


class FakeProtocol:
    """The attributes of uvicorn's websockets-sansio protocol that the direct transport reads."""

    def __init__(self) -> None:
        self.conn = _Conn()
        self.close_sent = False
        self.disconnected = False
        self.writable = asyncio.Event()
        self.writable.set()
        self.transport = CountingTransport()

    async def send(self, message: Any) -> None:  # the ASGI send (the fallback path): never here
        raise AssertionError("the fan-out left the direct path")


class FakeSocket:
    application_state = WebSocketState.CONNECTED

    def __init__(self, protocol: FakeProtocol) -> None:
        self._send = protocol.send

    async def send_text(self, frame: str) -> None:
        raise AssertionError("the fan-out left the direct path")


DIRECT = DirectTransport(protocol=FakeProtocol, has_disconnected=True, open_state=State.OPEN)


def wordcloud(activity_id: int, position: int, *, status: str = "open") -> ActivityInfo:
    return ActivityInfo(
        id=activity_id,
        position=position,
        kind="wordcloud",
        prompt="Waar denk jij aan?",
        settings={"max_entries": 1},
        status=status,  # type: ignore[arg-type]
    )


def make_room(n: int) -> tuple[Room, list[FakeProtocol]]:
    """A meeting with one open word cloud and ``n`` phones connected (participants 1..n)."""
    meeting = MeetingInfo(
        id=1,
        code="ABCDEF",
        title="Fan-out",
        theme="Inclusie",
        language="nl",
        current_activity_id=1,
        activities=(wordcloud(1, 0),),
    )
    room = Room(meeting, MeetingAuth(1, "h", "p"), "http://127.0.0.1:8000/ABCDEF")
    protocols = []
    for pid in range(1, n + 1):
        protocol = FakeProtocol()
        protocols.append(protocol)
        socket = FakeSocket(protocol)
        room.add(Connection(socket, "participant", participant_id=pid, transport=DIRECT))  # type: ignore[arg-type]
    room.flush()
    return room, protocols


def answer(room: Room, n: int, count: int, seed: int = 1) -> None:
    """``count`` answers, each phone in turn replacing its one word (as bench.loadgen does),
    applied in batches as the batcher commits them."""
    rng = random.Random(seed)
    revisions: dict[int, int] = {}
    activity = room.meeting.current_activity_id
    assert activity is not None
    batch: list[Change] = []
    versions: dict[int, tuple[int, int]] = {}
    for i in range(count):
        pid = i % n + 1
        revisions[pid] = revisions.get(pid, 0) + 1
        batch.append(Change(pid, "0", pid, None, {"word": f"woord{rng.randrange(WORDS)}"}))
        versions[pid] = (pid, revisions[pid])
        if len(batch) == 100:
            room.apply(activity, batch, versions)
            room.flush()
            batch, versions = [], {}
    if batch:
        room.apply(activity, batch, versions)
    room.flush()


def with_current(meeting: MeetingInfo, change: Callable[[ActivityInfo], ActivityInfo]) -> MeetingInfo:
    activities = tuple(change(a) if a.id == meeting.current_activity_id else a for a in meeting.activities)
    return dataclasses.replace(meeting, activities=activities)


def reveal(room: Room, shown: bool) -> None:
    room.set_meeting(with_current(room.meeting, lambda a: dataclasses.replace(a, show_results_phones=shown)))
    room.flush()


def open_next(room: Room) -> None:
    meeting = room.meeting
    new = max(a.id for a in meeting.activities) + 1
    closed = tuple(dataclasses.replace(a, status="closed") for a in meeting.activities)
    room.set_meeting(
        dataclasses.replace(
            meeting, activities=(*closed, wordcloud(new, len(closed))), current_activity_id=new
        )
    )
    room.flush()


@contextmanager
def counting() -> Iterator[dict[str, int]]:
    """Frames serialised (``dump`` in the room's frame builder) and encoded for the wire."""
    counts = {"serialised": 0, "encoded": 0}
    dump, wire = frames_module.dump, transport_module.wire_frame
    seen: dict[int, bytes] = {}  # held, so that no id is reused by a later frame

    def counted_dump(message: Any) -> str:
        counts["serialised"] += 1
        return dump(message)

    def counted_wire(text: str) -> bytes:
        frame = wire(text)
        if id(frame) not in seen:  # a frame not kept from an earlier write: encoded now
            seen[id(frame)] = frame
            counts["encoded"] += 1
        return frame

    frames_module.dump = counted_dump  # type: ignore[assignment]
    transport_module.wire_frame = counted_wire
    try:
        yield counts
    finally:
        frames_module.dump = dump
        transport_module.wire_frame = wire


def _written(protocols: list[FakeProtocol]) -> tuple[int, int]:
    return sum(p.transport.writes for p in protocols), sum(p.transport.bytes for p in protocols)


def _timed(step: Callable[[], None]) -> float:
    gc.collect()
    started = time.process_time()
    step()
    return (time.process_time() - started) * 1000


def _counted(step: Callable[[], None], protocols: list[FakeProtocol]) -> dict[str, int]:
    writes, sent = _written(protocols)
    with counting() as counts:
        step()
    after_writes, after_sent = _written(protocols)
    return {**counts, "writes": after_writes - writes, "bytes": after_sent - sent}


def measure(n: int, times: int = 3, profile: bool = False) -> list[dict[str, Any]]:
    room, protocols = make_room(n)
    answer(room, n, RATE * SECONDS)
    reveals: list[float] = []
    opens: list[float] = []
    for _ in range(times):
        reveal(room, False)
        reveals.append(_timed(lambda: reveal(room, True)))
    reveal(room, False)
    reveal_counts = _counted(lambda: reveal(room, True), protocols)
    if profile:
        reveal(room, False)
        profiler = cProfile.Profile()
        profiler.enable()
        reveal(room, True)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
        print(out.getvalue())
    # Each open is a new word cloud without answers: every phone's own-answers frame is empty.
    for _ in range(times):
        opens.append(_timed(lambda: open_next(room)))
    open_counts = _counted(lambda: open_next(room), protocols)
    # The same with a nickname each, as in a hall where people give their names.
    room.nicknames.update({pid: f"Deelnemer {pid}" for pid in range(1, n + 1)})
    named = [_timed(lambda: open_next(room)) for _ in range(times)]
    named_counts = _counted(lambda: open_next(room), protocols)
    rows = []
    for what, cpu, counts in (
        ("reveal", reveals, reveal_counts),
        ("open", opens, open_counts),
        ("open, a nickname each", named, named_counts),
    ):
        median = statistics.median(cpu)
        rows.append(
            {
                "what": what,
                "phones": n,
                "cpu_ms": [round(x, 1) for x in cpu],
                "cpu_ms_median": round(median, 1),
                "us_per_phone": round(median * 1000 / n, 2),
                **{f"{key}_per_flush": value for key, value in counts.items()},
            }
        )
    return rows


def fanout_cpu(sizes: tuple[int, ...] = (1000, 10_000), profile: bool = False) -> dict[str, Any]:
    async def run() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for n in sizes:
            rows += measure(n, profile=profile and n == max(sizes))
        return rows

    rows = asyncio.run(run())
    result = {
        "generated": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "command": "python -m bench fanout-cpu",
        "answers": f"{RATE * SECONDS} word-cloud answers first ({RATE}/s for {SECONDS} s, {WORDS} words)",
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "fanout-cpu.json").write_text(json.dumps(result, indent=2) + "\n")
    print("| flush | N | CPU-ms (runs) | µs/phone | serialised | encoded | writes | bytes |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['what']} | {row['phones']} | {row['cpu_ms_median']} "
            f"({', '.join(map(str, row['cpu_ms']))}) "
            f"| {row['us_per_phone']} | {row['serialised_per_flush']} | {row['encoded_per_flush']} "
            f"| {row['writes_per_flush']} | {row['bytes_per_flush']} |"
        )
    print("\nwrote bench/results/fanout-cpu.json")
    return result
