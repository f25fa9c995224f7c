"""The fan-out's work per flush, counted (never timed): what is serialised and encoded once per
audience stays so, and each phone gets one write to its transport.

The room and its phones are bench.fanout_cpu's (phones on the direct transport, writing to a
transport that counts), so these counts are the ones ``python -m bench fanout-cpu`` reports.
"""

from __future__ import annotations

import dataclasses
import json

from bench.fanout_cpu import FakeProtocol, answer, counting, make_room, open_next, reveal
from server.domain.meeting import ActivityInfo
from server.kinds import Change
from server.realtime.room import Room
from server.realtime.transport import wire_frame

PHONES = 300


def _flush_counts(room: Room, protocols: list[FakeProtocol], step: object) -> dict[str, int]:
    writes = [p.transport.writes for p in protocols]
    with counting() as counts:
        step()  # type: ignore[operator]
    counts["writes"] = sum(p.transport.writes for p in protocols) - sum(writes)
    counts["phones_written"] = sum(p.transport.writes > w for p, w in zip(protocols, writes, strict=True))
    return counts


async def test_a_reveal_serialises_and_encodes_one_frame_for_every_phone() -> None:
    room, protocols = make_room(PHONES)
    answer(room, PHONES, 2 * PHONES)  # every phone has replaced its word once
    counts = _flush_counts(room, protocols, lambda: reveal(room, True))
    # The state frame with the results, once; nobody's own answers changed, so no `mine` frames.
    assert counts == {"serialised": 1, "encoded": 1, "writes": PHONES, "phones_written": PHONES}
    assert '"results":{"kind":"wordcloud"' in room.state_frame()
    # Hiding them again is the same: one frame for all.
    assert _flush_counts(room, protocols, lambda: reveal(room, False))["serialised"] == 1


async def test_an_open_serialises_and_encodes_two_frames_for_every_phone_whatever_the_nicknames() -> None:
    room, protocols = make_room(PHONES)
    answer(room, PHONES, PHONES)
    counts = _flush_counts(room, protocols, lambda: open_next(room))
    # The state and the one own-answers frame of phones without answers, each serialised and
    # encoded once; each phone gets both in one write.
    assert counts == {"serialised": 2, "encoded": 2, "writes": PHONES, "phones_written": PHONES}
    # A hall with a nickname each: the same two frames for everyone (the nickname is not in them).
    for pid in range(1, PHONES + 1):
        room.set_nickname(pid, f"Deelnemer {pid}")
    counts = _flush_counts(room, protocols, lambda: open_next(room))
    assert counts == {"serialised": 2, "encoded": 2, "writes": PHONES, "phones_written": PHONES}
    assert json.loads(room.mine_frame(7) or "") == {
        "type": "mine",
        "activity_id": room.meeting.current_activity_id,
        "answers": {},
        "words": None,
        "own": None,
    }


class Recording:
    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data += data

    def is_closing(self) -> bool:
        return False


async def test_frames_written_together_are_the_frames_one_by_one_on_the_wire() -> None:
    room, protocols = make_room(2)
    recorded = [Recording(), Recording()]
    for protocol, recording in zip(protocols, recorded, strict=True):
        protocol.transport = recording  # type: ignore[assignment]
    open_next(room)
    for pid, recording in enumerate(recorded, start=1):
        mine = room.mine_frame(pid)
        assert mine is not None
        assert recording.data == wire_frame(room.state_frame()) + wire_frame(mine)


async def test_a_quiz_reveal_sends_each_phone_its_own_view_and_encodes_the_state_once() -> None:
    room, protocols = make_room(PHONES)
    quiz = ActivityInfo(
        id=2,
        position=1,
        kind="quiz",
        prompt="Welke?",
        settings={"options": ["a", "b"], "correct": [0], "seconds": 20},
        status="open",
    )
    closed = tuple(dataclasses.replace(a, status="closed") for a in room.meeting.activities)
    room.set_meeting(dataclasses.replace(room.meeting, activities=(*closed, quiz), current_activity_id=2))
    room.flush()
    room.apply(
        2, [Change(pid, "0", pid, None, {"options": [pid % 2], "ms": 1000}) for pid in range(1, 101)], {}
    )
    room.flush()
    counts = _flush_counts(
        room,
        protocols,
        lambda: (
            room.set_meeting(
                dataclasses.replace(
                    room.meeting,
                    activities=(*closed, dataclasses.replace(quiz, status="closed")),
                )
            ),
            room.flush(),
        ),
    )
    # Each phone's points and rank are its own: a `mine` frame per phone, but the shared state
    # is serialised and encoded once, and each phone still gets one write.
    assert counts == {
        "serialised": PHONES + 1,
        "encoded": PHONES + 1,
        "writes": PHONES,
        "phones_written": PHONES,
    }
