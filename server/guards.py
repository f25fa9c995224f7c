"""Transport guards: websocket origin allowlist, per-participant rate limits, join-code probing."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import urlsplit


def origin_of(url: str) -> str:
    """scheme://host[:port] with the default port dropped, lower-cased, as browsers send it."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


@dataclass
class OriginPolicy:
    """Which pages may open a websocket: the public origin, listed extras, loopback in dev mode."""

    allowed: frozenset[str]
    dev: bool = False

    @classmethod
    def build(cls, public_url: str, extra: list[str], dev: bool) -> OriginPolicy:
        return cls(frozenset({origin_of(public_url), *(origin_of(o) for o in extra)}), dev)

    def permits(self, origin: str | None) -> bool:
        if not origin or origin.strip() == "null":
            return False
        try:
            parts = urlsplit(origin.strip())
            normalised = origin_of(origin)
            hostname = parts.hostname
        except ValueError:  # e.g. a port that is not a number: "http://host:80.evil.example"
            return False
        if parts.path or parts.query or parts.fragment or parts.username or parts.password:
            return False  # browsers send a bare origin; anything else is made up
        if normalised in self.allowed:
            return True
        loopback = hostname in ("127.0.0.1", "localhost", "::1")
        return self.dev and loopback and parts.scheme in ("http", "https")


@dataclass
class TokenBucket:
    rate: float  # tokens per second
    burst: float
    tokens: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def take(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if self.tokens < 0:
            self.tokens = self.burst
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class RateLimiter:
    """Per key (a participant) token buckets; the least recently used keys are forgotten."""

    def __init__(self, per_minute: float, burst: int, capacity: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.capacity = capacity
        self._buckets: OrderedDict[object, TokenBucket] = OrderedDict()

    def allow(self, key: object, now: float | None = None) -> bool:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = TokenBucket(self.rate, self.burst)
            self._buckets[key] = bucket
            if len(self._buckets) > self.capacity:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket.take(now)


class JoinGuard:
    """Slows down code guessing: after ``limit`` unknown codes within ``window`` seconds from one
    client, that client gets 429 until the window has passed. Clients are keyed by a salted hash
    of their address, so no raw IP address is kept."""

    def __init__(self, limit: int = 20, window: float = 60.0, capacity: int = 50_000) -> None:
        self.limit = limit
        self.window = window
        self.capacity = capacity
        self._salt = secrets.token_bytes(16)
        self._failures: OrderedDict[bytes, list[float]] = OrderedDict()

    def key_of(self, address: str | None) -> bytes:
        """The salted hash a client (or an account) is known by: no raw address is kept."""
        return hashlib.blake2b((address or "?").encode(), key=self._salt, digest_size=16).digest()

    def blocked(self, address: str | None, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        stamps = self._failures.get(self.key_of(address))
        if not stamps:
            return False
        while stamps and now - stamps[0] > self.window:
            stamps.pop(0)
        return len(stamps) >= self.limit

    def recent(self, address: str | None, now: float | None = None) -> int:
        """How many failures this client has within the window."""
        now = time.monotonic() if now is None else now
        stamps = self._failures.get(self.key_of(address))
        return sum(1 for stamp in stamps if now - stamp <= self.window) if stamps else 0

    def attempt(self, address: str | None, now: float | None = None) -> bool:
        """False when the client is blocked. Otherwise the attempt counts as a failure until
        ``succeeded``: concurrent guesses cannot all pass while the first lookups are pending."""
        if self.blocked(address, now):
            return False
        self.failed(address, now)
        return True

    def succeeded(self, address: str | None) -> None:
        """The attempt was not a failure after all: take back what ``attempt`` counted."""
        stamps = self._failures.get(self.key_of(address))
        if stamps:
            stamps.pop()

    def failed(self, address: str | None, now: float | None = None) -> bool:
        """Count a failure; False when the client was already at the limit. Requests that were
        let in together can all fail after the limit was reached: those get 429 too."""
        now = time.monotonic() if now is None else now
        allowed = not self.blocked(address, now)
        key = self.key_of(address)
        stamps = self._failures.setdefault(key, [])
        self._failures.move_to_end(key)
        stamps.append(now)
        if len(stamps) > self.limit * 2:
            del stamps[: len(stamps) - self.limit * 2]
        if len(self._failures) > self.capacity:
            self._failures.popitem(last=False)
        return allowed
