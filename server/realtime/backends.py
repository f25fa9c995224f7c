"""Broadcast between worker processes: memory:// (one process) or redis:// behind one Protocol.

Redis pub/sub delivers at most once, so it only carries notifications (tally deltas, "reload
this meeting"); the database stays the truth, and a worker that lost messages reloads from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

log = logging.getLogger("kring.broadcast")

CHANNEL = "kring:events"  # and the database number: "kring:events:0" (see redis_channel)
Handler = Callable[[bytes], Awaitable[None]]
Hook = Callable[[], Awaitable[None]]


class Broadcast(Protocol):
    worker_id: str
    shared: bool  # True when other processes may hold the same rooms

    async def start(self, on_message: Handler, on_reconnect: Hook) -> None: ...

    async def publish(self, messages: list[bytes]) -> bool: ...

    async def stop(self) -> None: ...


class MemoryBroadcast:
    """One process: every event is already applied locally, so there is nobody to tell."""

    shared = False

    def __init__(self) -> None:
        self.worker_id = secrets.token_hex(6)

    async def start(self, on_message: Handler, on_reconnect: Hook) -> None:
        return None

    async def publish(self, messages: list[bytes]) -> bool:
        return True

    async def stop(self) -> None:
        return None


class RedisBroadcast:
    """Pub/sub on one channel; publishes go out pipelined, once per tick."""

    shared = True

    def __init__(self, url: str, *, retry_seconds: float = 0.5) -> None:
        self.url, self.channel = redis_channel(url)
        self.worker_id = secrets.token_hex(6)
        self.retry_seconds = retry_seconds
        self.connected = False
        self._client: Any = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, on_message: Handler, on_reconnect: Hook) -> None:
        import redis.asyncio as aioredis  # optional dependency: only needed for redis://

        self._client = aioredis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5)
        ready = asyncio.Event()
        self._task = asyncio.create_task(self._listen(on_message, on_reconnect, ready), name="kring-redis")
        try:
            await asyncio.wait_for(ready.wait(), 5)
        except TimeoutError:
            # Serve without it rather than not at all; the late subscription then resynchronises.
            log.warning("redis did not subscribe within 5 s; going on, resynchronising when it does")
            ready.set()

    async def _listen(self, on_message: Handler, on_reconnect: Hook, ready: asyncio.Event) -> None:
        while True:
            pubsub = self._client.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                # subscribe() only sends the command: until Redis confirms it, what others publish
                # does not reach this worker, so "ready" waits for the confirmation.
                while (await pubsub.get_message(timeout=1.0) or {}).get("type") != "subscribe":
                    pass
                self.connected = True
                # Back after a loss, or late (start gave up waiting, or the first try failed):
                # rooms held here may have missed what was published meanwhile, so they reload.
                late = ready.is_set()
                ready.set()
                if late:
                    log.warning("redis is back; resynchronising rooms from the database")
                    await on_reconnect()
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        await on_message(message["data"])
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                raise
            except Exception as exc:
                if self.connected:
                    log.warning("lost redis (%s); retrying", exc)
                self.connected = False
                ready.set()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                await asyncio.sleep(self.retry_seconds)

    async def publish(self, messages: list[bytes]) -> bool:
        if not messages or self._client is None:
            return True
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for message in messages:
                    pipe.publish(self.channel, message)
                await pipe.execute()
            return True
        except Exception as exc:
            log.warning("publishing %d messages to redis failed: %s", len(messages), exc)
            return False

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.aclose()


def redis_channel(url: str) -> tuple[str, str]:
    """The URL Redis is reached by, and the channel the workers of one Kring share on it.

    Redis pub/sub ignores the database number, so two Krings on one Redis would hear each other's
    events (meeting ids repeat across databases). The channel is therefore named after the number,
    ``kring:events:0`` for ``redis://host:6379/0``, or chosen with ``?channel=`` (which Redis's own
    client does not see): every worker and host of one Kring must name the same one."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    chosen = [value for key, value in query if key == "channel"]
    rest = urlencode([(key, value) for key, value in query if key != "channel"])
    if chosen:
        channel = chosen[-1]
        if not channel or len(channel) > 100 or not channel.isprintable() or " " in channel:
            raise ValueError(
                f"the broadcast URL's channel {channel!r} must be 1 to 100 printable characters"
                " without spaces"
            )
    else:
        numbers = [value for key, value in query if key == "db"]  # unix:///run/redis.sock?db=1
        path = parts.path.strip("/") if parts.scheme != "unix" else ""
        channel = f"{CHANNEL}:{path or (numbers[-1] if numbers else '0')}"
    if not chosen:
        return url, channel
    return url.split("?", 1)[0] + (f"?{rest}" if rest else ""), channel


def make_broadcast(url: str) -> Broadcast:
    if url.startswith("memory://"):
        return MemoryBroadcast()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBroadcast(url)
    raise ValueError(f"unsupported broadcast URL {url!r}: use memory:// or redis://host:port/db")
