"""server/realtime/backends.py: the workers of one Kring share a Redis channel, and only they do."""

from __future__ import annotations

import asyncio

import pytest

from server.realtime.backends import RedisBroadcast, redis_channel


@pytest.mark.parametrize(
    ("url", "reached", "channel"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0", "kring:events:0"),
        ("redis://127.0.0.1:6379/3", "redis://127.0.0.1:6379/3", "kring:events:3"),
        ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379", "kring:events:0"),
        ("redis://:pw@127.0.0.1/2?channel=zaal-b", "redis://:pw@127.0.0.1/2", "zaal-b"),
        (
            "rediss://127.0.0.1/0?ssl_cert_reqs=none&channel=kring:prod",
            "rediss://127.0.0.1/0?ssl_cert_reqs=none",
            "kring:prod",
        ),
        ("unix:///run/redis.sock", "unix:///run/redis.sock", "kring:events:0"),
        ("unix:///run/redis.sock?db=1", "unix:///run/redis.sock?db=1", "kring:events:1"),
        ("unix:///run/redis.sock?channel=k&db=2", "unix:///run/redis.sock?db=2", "k"),
    ],
)
def test_the_channel_is_named_after_the_database_or_chosen_and_hidden_from_redis(
    url: str, reached: str, channel: str
) -> None:
    assert redis_channel(url) == (reached, channel)


@pytest.mark.parametrize("bad", ["", "a%20b", "x" * 101, "tab%09here", "nl%0A"])
def test_a_bad_channel_is_refused_by_name(bad: str) -> None:
    with pytest.raises(ValueError, match=r"channel .* must be 1 to 100 printable characters"):
        redis_channel("redis://127.0.0.1:6379/0?channel=" + bad)


async def _listening(url: str, heard: list[bytes], got: asyncio.Event) -> RedisBroadcast:
    broadcast = RedisBroadcast(url)

    async def on_message(data: bytes) -> None:
        heard.append(data)
        got.set()

    async def on_reconnect() -> None:
        return None

    await broadcast.start(on_message, on_reconnect)
    assert broadcast.connected  # start() returns once Redis confirmed the subscription
    return broadcast


async def test_two_krings_on_one_redis_hear_only_their_own_workers(redis_url: str) -> None:
    other = redis_url.replace("channel=", "channel=other-")
    heard_a: list[bytes] = []
    heard_b: list[bytes] = []
    heard_c: list[bytes] = []
    got_a, got_b, got_c = asyncio.Event(), asyncio.Event(), asyncio.Event()
    a = await _listening(redis_url, heard_a, got_a)
    b = await _listening(redis_url, heard_b, got_b)  # a second worker of the same Kring
    c = await _listening(other, heard_c, got_c)  # another Kring on the same Redis
    try:
        assert await c.publish([b"from c"])
        assert await a.publish([b"from a"])
        await asyncio.wait_for(got_b.wait(), 10)
        await asyncio.wait_for(got_c.wait(), 10)
        # Redis delivers to each subscriber in publish order: "from c" reached its channel's
        # subscribers before "from a" reached b, so had c's channel been a's, b would hold it now.
        assert heard_b == [b"from a"]
        assert heard_c == [b"from c"]
        assert heard_a == [b"from a"] or heard_a == []  # its own echo, which the bus drops
    finally:
        for broadcast in (a, b, c):
            await broadcast.stop()
