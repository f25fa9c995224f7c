"""When Python's cyclic garbage collector may stop the world: not in the middle of a hall answering.

With 10,000 phones connected the server tracks a few million containers, and a full (generation 2)
collection walks all of them: 0.8–1.2 s with everything else stopped, which Python starts on its
own every 10–20 s under load. That pause was the answer→screen p99 (1.4 s at 10,000 phones). So:

- what exists once the server has started (modules, the ORM, templates) is frozen: a full
  collection never walks it again;
- young collections run less often (a larger first threshold), and full ones never automatically;
- the hub runs the full collection itself: after the server was quiet for a few seconds (no
  answers, joins or facilitator's changes: a reveal or an open right after a quiet moment must
  not wait for a collection the quiet invited), and in any case at least every ``interval``
  seconds, so cyclic garbage (closed sockets' frames and tasks) is still bounded.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger("kring.gc")

YOUNG_THRESHOLD = 10_000  # allocations between generation-0 collections (Python's default: 700)
NEVER = 1_000_000_000  # a generation-2 threshold that is never reached
QUIET_SECONDS = 5.0  # no answers or joins for this long: a good moment for a full collection
QUIET_MINIMUM = 60.0  # but not more often than this


class Collector:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.enabled = interval > 0
        self._before: tuple[int, int, int] | None = None
        self._last_full = time.monotonic()
        self._last_busy = time.monotonic()

    def start(self) -> None:
        if not self.enabled:
            return
        self._before = gc.get_threshold()
        gc.collect()
        gc.freeze()
        gc.set_threshold(YOUNG_THRESHOLD, 20, NEVER)
        self._last_full = time.monotonic()

    def stop(self) -> None:
        if self._before is not None:
            gc.set_threshold(*self._before)
            gc.unfreeze()
            self._before = None

    def busy(self) -> None:
        """Something happened that a full collection now would delay."""
        self._last_busy = time.monotonic()

    def tick(self) -> float | None:
        """Run a full collection if it is time; returns how long it took (None: not run)."""
        if self._before is None:
            return None
        now = time.monotonic()
        since = now - self._last_full
        quiet = now - self._last_busy >= QUIET_SECONDS and since >= QUIET_MINIMUM
        if not quiet and since < self.interval:
            return None
        started = time.perf_counter()
        found = gc.collect()
        took = time.perf_counter() - started
        self._last_full = time.monotonic()
        log.info("full garbage collection: %d objects freed in %.0f ms", found, took * 1000)
        return took
