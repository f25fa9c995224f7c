"""Rooms: frames are built once per tick for all receivers; slow clients skip, not pile up."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.meeting import ActivityInfo, MeetingInfo
from server.kinds import Change, tally_from_rows
from server.realtime.connection import Connection
from server.realtime.hub import Hub
from server.realtime.room import Room
from server.services.meetings import MeetingAuth
from tests.realtime.loaders import MemoryLoader


class FakeSocket:
    def __init__(self, delay: float = 0.0) -> None:
        self.sent: list[str] = []
        self.delay = delay

    async def send_text(self, frame: str) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.sent.append(frame)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = (code, reason)


def make_room(kind: str = "wordcloud", settings: dict[str, Any] | None = None) -> Room:
    activity = ActivityInfo(
        id=1, position=0, kind=kind, prompt="Waar denk jij aan?", settings=settings or {}, status="open"
    )
    meeting = MeetingInfo(
        id=7,
        code="ABCDEF",
        title="T",
        theme="Inclusie",
        language="nl",
        current_activity_id=1,
        activities=(activity,),
    )
    return Room(meeting, MeetingAuth(7, "h", "p"), "http://127.0.0.1:8000/ABCDEF")


def word(participant: int, entry: int, text: str) -> Change:
    return Change(participant, "0", entry, None, {"word": text})


async def test_flush_encodes_one_frame_for_all_presenters() -> None:
    room = make_room()
    sockets = [FakeSocket() for _ in range(3)]
    for socket in sockets:
        room.add(Connection(socket, "presenter"))  # type: ignore[arg-type]
    room.apply(1, [word(1, 1, "Samen")], {})
    room.flush()
    frames = [socket.sent[-1] for socket in sockets]
    assert all(frame is frames[0] for frame in frames)


async def test_a_client_that_keeps_up_is_written_to_at_once_without_a_task() -> None:
    socket = FakeSocket()
    phone = Connection(socket, "participant", participant_id=1)  # type: ignore[arg-type]
    phone.push('{"n": 1}')
    phone.put_latest("results", '{"n": 2}')
    assert socket.sent == ['{"n": 1}', '{"n": 2}']  # no await in between: written in the caller
    assert phone._writer is None


async def test_frames_put_together_go_out_one_by_one_without_the_direct_transport() -> None:
    socket = FakeSocket()
    phone = Connection(socket, "participant", participant_id=1)  # type: ignore[arg-type]
    assert not phone.direct
    phone.put_latest_many(("state", "state"), ("mine", "mine"))
    assert socket.sent == ["state", "mine"]
    slow = FakeSocket(delay=0.05)
    behind = Connection(slow, "participant", participant_id=1)  # type: ignore[arg-type]
    behind.push("ack")  # this send has to wait: the frames are parked per channel meanwhile
    behind.put_latest_many(("state", "state-1"), ("mine", "mine-1"))
    behind.put_latest_many(("state", "state-2"), ("mine", "mine-2"))
    await behind.flush(2.0)
    assert slow.sent == ["ack", "state-2", "mine-2"]


async def test_frames_queued_behind_a_slow_send_go_out_in_order_after_it() -> None:
    socket = FakeSocket(delay=0.05)
    phone = Connection(socket, "participant", participant_id=1)  # type: ignore[arg-type]
    phone.push("ack-1")  # this send has to wait
    phone.put_latest("results", "results-old")
    phone.push("ack-2")
    phone.put_latest("results", "results-new")  # replaces the old one, which is never sent
    phone.put_latest("state", "state")
    assert socket.sent == []
    await phone.flush(2.0)
    assert socket.sent == ["ack-1", "state", "ack-2", "results-new"]
    assert phone.busy_since is None


@pytest.mark.parametrize("stall", [0.0, 0.06], ids=["quiet", "busy"])
async def test_hub_coalesces_a_burst_into_few_snapshots(stall: float) -> None:
    # "busy": the process is off the CPU for longer than a tick between yields, as on a loaded
    # machine; a fixed count of snapshots would then depend on the load, one per tick does not.
    tick = 0.05
    hub = Hub(None, public_base="http://127.0.0.1:8000", tick=tick, loader=MemoryLoader())
    room = make_room()
    hub.rooms[room.meeting.id] = room
    socket = FakeSocket()
    screen = Connection(socket, "presenter")  # type: ignore[arg-type]
    started = time.monotonic()  # the hub's clock
    await hub.start()
    hub.connect(room, screen)
    for entry in range(1, 201):
        room.apply(1, [word(entry, entry, f"woord{entry % 5}")], {})
        hub.mark(room)
        if entry % 20 == 0:
            time.sleep(stall)
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    await hub.stop()
    elapsed = time.monotonic() - started
    snapshots = [f for f in socket.sent if '"type":"snapshot"' in f]
    # The greeting, then at most one flush per tick however long the burst took: 200 answers
    # and 10 chances to flush, in a handful of frames (about 8 on a quiet machine).
    assert 2 <= len(snapshots) <= 2 + elapsed / tick, (len(snapshots), elapsed)
    assert '"responses":200' in snapshots[-1]


class GatedSocket(FakeSocket):
    """A socket whose sends wait until the test opens the gate: a screen that is slow for as
    long as the test says, not for as long as the machine's load makes a timed delay last."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def send_text(self, frame: str) -> None:
        await self.gate.wait()
        self.sent.append(frame)


async def test_slow_connection_keeps_only_the_latest_snapshot() -> None:
    room = make_room()
    slow = GatedSocket()
    screen = Connection(slow, "presenter")  # type: ignore[arg-type]
    for entry in range(1, 30):
        room.apply(1, [word(entry, entry, "x")], {})
        screen.put_latest("snapshot", room.snapshot_frame("presenter"))
        await asyncio.sleep(0)  # the writer task runs: its first send waits at the gate
    assert slow.sent == [] and screen.busy_since is not None
    slow.gate.set()
    await screen.flush(2.0)
    await screen.stop()
    # The first send, then only the latest: the 27 in between were skipped.
    assert len(slow.sent) == 2, slow.sent
    assert '"responses":1,' in slow.sent[0] and '"responses":29' in slow.sent[-1]


async def test_direct_backlog_overflow_drops_the_client() -> None:
    stuck = FakeSocket(delay=10)
    phone = Connection(stuck, "participant", participant_id=1, max_backlog=8)  # type: ignore[arg-type]
    for n in range(20):
        phone.push(f'{{"n": {n}}}')
    assert phone.closed
    await asyncio.sleep(0)


async def test_presence_counts_distinct_participants() -> None:
    room = make_room()
    a1 = Connection(FakeSocket(), "participant", participant_id=1)  # type: ignore[arg-type]
    a2 = Connection(FakeSocket(), "participant", participant_id=1)  # type: ignore[arg-type]
    b = Connection(FakeSocket(), "participant", participant_id=2)  # type: ignore[arg-type]
    for c in (a1, a2, b):
        room.add(c)
    assert room.participants == 2
    room.remove(a1)
    assert room.participants == 2
    room.remove(a2)
    assert room.participants == 1


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_room_replica_converges_under_duplicates_and_reordering(data: st.DataObject) -> None:
    """Deltas from other workers may arrive twice or out of order: the room still ends exact."""
    rows: dict[tuple[int, str], tuple[int, int, dict[str, Any]]] = {}
    deltas: list[tuple[Change, tuple[int, int]]] = []
    next_id = 1
    for person, slot, word in data.draw(
        st.lists(
            st.tuples(st.integers(1, 3), st.sampled_from(["0", "1"]), st.sampled_from(["a", "b", None])),
            max_size=40,
        )
    ):
        key = (person, slot)
        current = rows.get(key)
        if word is None:
            if current is None:
                continue
            entry, rev, _ = rows.pop(key)
            deltas.append((Change(person, slot, entry, None, None), (entry, rev + 1)))
        elif current is None:
            rows[key] = (next_id, 1, {"word": word})
            deltas.append((Change(person, slot, next_id, None, {"word": word}), (next_id, 1)))
            next_id += 1
        else:
            entry, rev, _ = current
            rows[key] = (entry, rev + 1, {"word": word})
            deltas.append((Change(person, slot, entry, None, {"word": word}), (entry, rev + 1)))
    delivered = data.draw(
        st.permutations(deltas + data.draw(st.lists(st.sampled_from(deltas), max_size=10)) if deltas else [])
    )
    room = make_room()
    for change, version in delivered:
        room.apply(1, [change], {change.entry_id: version})
    expected = tally_from_rows(
        "wordcloud", [Change(p, s, e, None, payload) for (p, s), (e, _, payload) in rows.items()]
    )
    assert room.tallies[1] == expected


def mine_frames(socket: FakeSocket) -> list[str]:
    return [f for f in socket.sent if f.startswith('{"type":"mine"')]


async def test_opening_a_question_tells_each_phone_its_own_answers_in_a_frame_shared_by_the_blank() -> None:
    room = make_room()
    sockets = {pid: FakeSocket() for pid in (1, 2, 3, 4)}
    for pid, socket in sockets.items():
        room.add(Connection(socket, "participant", participant_id=pid))  # type: ignore[arg-type]
    room.set_nickname(2, "Bea")
    room.apply(1, [Change(1, "0", 11, None, {"word": "samen"}, "Anna")], {})  # Anna answered the first
    room.flush()
    second = ActivityInfo(id=2, position=1, kind="wordcloud", prompt="En nu?", settings={}, status="open")
    activities = (*room.meeting.activities, second)
    room.set_meeting(dataclasses.replace(room.meeting, activities=activities, current_activity_id=2))
    room.apply(2, [Change(3, "0", 12, None, {"word": "leren"})], {})  # 3 is quick on the new one
    room.flush()
    mine = {pid: json.loads(mine_frames(socket)[-1]) for pid, socket in sockets.items()}
    assert {m["activity_id"] for m in mine.values()} == {2}
    assert mine[1] == {"type": "mine", "activity_id": 2, "answers": {}, "words": None, "own": None}
    assert mine[3]["answers"] == {"0": {"entry_id": 12, "value": {"word": "leren"}}}
    # Phones without answers got one frame, built once, whatever their nicknames (Anna, Bea, none).
    blank = mine_frames(sockets[1])[-1]
    assert all(mine_frames(sockets[pid])[-1] is blank for pid in (2, 4))


def nickname_frames(socket: FakeSocket) -> list[str | None]:
    return [json.loads(f)["nickname"] for f in socket.sent if f.startswith('{"type":"nickname"')]


async def test_a_phone_is_told_its_new_nickname_and_nobody_else_is() -> None:
    room = make_room()
    anna, on_laptop, bea = FakeSocket(), FakeSocket(), FakeSocket()
    for socket, pid in ((anna, 1), (on_laptop, 1), (bea, 2)):
        room.add(Connection(socket, "participant", participant_id=pid))  # type: ignore[arg-type]
    room.set_nickname(1, "Anna")  # a rejoin with a name: both of participant 1's devices hear it
    room.set_nickname(1, "Anna")  # the same again: nothing to tell
    assert nickname_frames(anna) == nickname_frames(on_laptop) == ["Anna"]
    # Another worker's answer shows the name it knows: a change, told as well.
    room.apply(1, [Change(1, "0", 11, None, {"word": "samen"}, "Anneke")], {})
    room.apply(1, [Change(1, "0", 11, None, {"word": "later"}, "Anneke")], {11: (11, 2)})
    room.set_nickname(1, None)  # a rejoin that clears it
    assert nickname_frames(anna) == ["Anna", "Anneke", None]
    assert nickname_frames(bea) == []
    room.set_nickname(3, "Cas")  # nobody of 3 connected here: known, told to nobody
    assert room.nicknames[3] == "Cas" and nickname_frames(bea) == []
