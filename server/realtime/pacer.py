"""Leading-edge pacing of the hub's flushes: a quiet room's change goes out at once, faster ones per tick."""

from __future__ import annotations

from collections.abc import Hashable


class Pacer:
    """When each key (a room, or the message bus to other workers) may send next.

    A key that has not sent for an ``interval`` sends as soon as it changes (the leading edge): a
    workshop of 50 sees each answer on the big screen without waiting for a tick. A change that
    follows a send sooner is held until one interval after that send, and goes out together with
    everything else that arrived meanwhile (the trailing edge). So a key sends at most once per
    interval, and no change waits longer than one interval. Times come from the caller (the
    event loop's monotonic clock, or a test's), so this holds no clock of its own.
    """

    __slots__ = ("_due", "_last", "interval")

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last: dict[Hashable, float] = {}  # when each key last sent (recently)
        self._due: dict[Hashable, float] = {}  # keys with a change to send, and from when

    def mark(self, key: Hashable, now: float) -> bool:
        """A change for ``key``; True when it was not waiting yet (the ticker should look again)."""
        if key in self._due:
            return False
        last = self._last.get(key)
        self._due[key] = now if last is None else max(now, last + self.interval)
        return True

    def pending(self, key: Hashable) -> bool:
        return key in self._due

    def wait(self, now: float) -> float | None:
        """Seconds until the first waiting key may send (0: now); None when nothing waits."""
        if not self._due:
            return None
        return max(0.0, min(self._due.values()) - now)

    def take(self, now: float) -> list[Hashable]:
        """The keys that may send now, recorded as sent at ``now``."""
        ready = [key for key, at in self._due.items() if at <= now]
        for key in ready:
            del self._due[key]
            self._last[key] = now
        return ready

    def forget(self, now: float) -> None:
        """Drop the send times that no longer hold anything back (rooms come and go)."""
        stale = [key for key, at in self._last.items() if now - at >= self.interval]
        for key in stale:
            del self._last[key]
