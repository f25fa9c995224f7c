"""The typed bus between workers: each message travels and is read back as it was sent, and a
message that does not validate is refused (the room it names rebuilds itself from the truth)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.realtime.backends import Handler, Hook
from server.realtime.bus import (
    BesideMsg,
    Bus,
    BusMessage,
    ChangesMsg,
    DeletedMsg,
    ErasedMsg,
    PresenceMsg,
    ResetMsg,
    ResyncMsg,
    SignalMsg,
    StructureMsg,
    TapsMsg,
    Unreadable,
    read_message,
)
from server.realtime.hub import Hub
from server.realtime.room import Room
from tests.realtime.loaders import MemoryLoader
from tests.realtime.test_room import make_room, word


class SharedBroadcast:
    """A broadcast to other workers that keeps what was published (and can fail)."""

    shared = True

    def __init__(self, worker_id: str = "here") -> None:
        self.worker_id = worker_id
        self.published: list[bytes] = []
        self.up = True

    async def start(self, on_message: Handler, on_reconnect: Hook) -> None:
        return None

    async def publish(self, messages: list[bytes]) -> bool:
        if self.up:
            self.published.extend(messages)
        return self.up

    async def stop(self) -> None:
        return None


EVERY_KIND: list[BusMessage] = [
    ChangesMsg.of(7, 1, [word(1, 11, "samen"), word(2, 12, "leren")], {11: (11, 3)}),
    StructureMsg(m=7),
    ResetMsg(m=7, a=1),
    ErasedMsg(m=7, p=[3, 4]),
    DeletedMsg(m=7),
    PresenceMsg(m=7, n=12),
    ResyncMsg(),
    BesideMsg(m=7),
    TapsMsg(m=7, c={"hart": 3, "duim": 1}),
    SignalMsg(m=7, n=5, at="2026-12-03T14:00:00+00:00"),
]


async def published(messages: list[BusMessage]) -> list[Any]:
    bus = Bus(SharedBroadcast("sender"))
    for message in messages:
        assert bus.queue(message)
    await bus.publish()
    (raw,) = bus.broadcast.published  # type: ignore[attr-defined]
    unwrapped = Bus(SharedBroadcast("receiver")).unwrap(raw)
    assert unwrapped is not None and unwrapped[0] == "sender"
    return unwrapped[1]


@pytest.mark.parametrize("message", EVERY_KIND, ids=lambda m: m.t)
async def test_each_message_arrives_as_it_was_sent(message: BusMessage) -> None:
    (data,) = await published([message])
    assert read_message(data) == message


async def test_changes_carry_rows_with_their_revisions_and_withdrawals() -> None:
    withdrawn = word(3, 13, "weg")
    withdrawn = type(withdrawn)(3, "0", 13, {"word": "weg"}, None)
    sent = ChangesMsg.of(7, 1, [word(1, 11, "samen"), withdrawn], {11: (11, 3), 13: (13, 4)})
    (data,) = await published([sent])
    changes, versions = read_message(data).decode()  # type: ignore[union-attr]
    assert [(c.participant, c.slot, c.entry_id, c.new) for c in changes] == [
        (1, "0", 11, {"word": "samen"}),
        (3, "0", 13, None),
    ]
    assert versions == {11: (11, 3), 13: (13, 4)}


@pytest.mark.parametrize(
    "data",
    [
        {"t": "changes", "m": 7, "a": 1, "c": [[1, "0", 11]]},  # a row cut short
        {"t": "changes", "m": 7, "a": "een", "c": []},  # not an activity id
        {"t": "presence", "m": 7, "n": -1},  # a negative count
        {"t": "taps", "m": 7, "c": {"hart": "veel"}},
        {"t": "signal", "m": 7, "n": 5},  # no time
        {"t": "erased", "m": 7, "p": ["drie"]},
        {"t": "structure", "m": 7, "extra": True},
        {"t": "verzonnen", "m": 7},  # no such message
        {"m": 7},  # no type
        ["changes", 7],
    ],
)
def test_a_malformed_message_is_refused(data: Any) -> None:
    with pytest.raises(Unreadable) as refused:
        read_message(data)
    assert refused.value.meeting_id == (7 if isinstance(data, dict) else None)


def test_an_unreadable_publish_and_this_workers_own_are_dropped() -> None:
    bus = Bus(SharedBroadcast("here"))
    assert bus.unwrap(b"not json") is None
    assert bus.unwrap(json.dumps({"batch": []}).encode()) is None  # no sender
    assert bus.unwrap(json.dumps({"w": "here", "batch": [{"t": "resync"}]}).encode()) is None
    assert bus.unwrap(json.dumps({"w": "there", "batch": [{"t": "resync"}]}).encode()) == (
        "there",
        [{"t": "resync"}],
    )


async def test_without_other_workers_nothing_is_queued() -> None:
    hub = Hub(None, public_base="http://127.0.0.1:8000", loader=MemoryLoader())
    assert not hub.bus.queue(StructureMsg(m=7))


def shared_hub() -> tuple[Hub, Room, SharedBroadcast]:
    room = make_room()
    broadcast = SharedBroadcast()
    hub = Hub(None, public_base="http://127.0.0.1:8000", broadcast=broadcast, loader=MemoryLoader(room))
    return hub, room, broadcast


def envelope(*batch: Any) -> bytes:
    return json.dumps({"w": "there", "batch": list(batch)}).encode()


async def test_a_worker_applies_what_another_committed_and_counts_its_phones() -> None:
    hub, room, _ = shared_hub()
    await hub.room(7)
    change = ChangesMsg.of(7, 1, [word(1, 11, "samen")], {11: (11, 1)})
    await hub._on_remote(envelope(change.model_dump(), {"t": "presence", "m": 7, "n": 4}))
    assert room.tallies[1].responses() == 1
    assert room.participants == 4
    await hub._on_remote(envelope({"t": "reset", "m": 7, "a": 1}))
    assert room.tallies[1].responses() == 0
    await hub._on_remote(envelope({"t": "deleted", "m": 7}))
    assert 7 not in hub.rooms


async def test_a_malformed_message_for_a_room_reloads_it_and_spoils_no_other_message() -> None:
    hub, room, _ = shared_hub()
    await hub.room(7)
    room.apply(1, [word(1, 11, "niet opgeslagen")], {})  # only in memory: the truth has no answers
    good = ChangesMsg.of(7, 1, [word(2, 12, "samen")], {12: (12, 1)})
    await hub._on_remote(envelope({"t": "changes", "m": 7, "a": 1, "c": [[2, "0"]]}, good.model_dump()))
    assert room.tallies[1].responses() == 1  # rebuilt from the truth, then the good delta applied
    assert room.own[1] == {2: {"0": (12, {"word": "samen"}, 1)}}


async def test_handlers_beside_the_activities_get_their_typed_message() -> None:
    hub, _, _ = shared_hub()
    await hub.room(7)
    got: list[Any] = []

    async def taps(room: Room, message: TapsMsg) -> None:
        got.append(message)

    hub.remote_handlers["taps"] = taps
    await hub._on_remote(envelope({"t": "taps", "m": 7, "c": {"hart": 2}}))
    assert got == [TapsMsg(m=7, c={"hart": 2})]


async def test_a_failed_publish_is_followed_by_a_resync_for_the_others() -> None:
    hub, _, broadcast = shared_hub()
    await hub.room(7)
    broadcast.up = False
    hub.send(StructureMsg(m=7))
    await hub.ticker.publish()
    broadcast.up = True
    hub.send(BesideMsg(m=7))
    await hub.ticker.publish()
    (raw,) = broadcast.published
    kinds = [m["t"] for m in json.loads(raw)["batch"]]
    assert kinds[0] == "resync" and "beside" in kinds and "presence" in kinds
