"""The garbage collector's full collections run when the hub says, never on Python's own schedule."""

from __future__ import annotations

import gc

from server.realtime import collector as module
from server.realtime.collector import Collector


def test_start_freezes_the_startup_objects_and_stop_gives_everything_back() -> None:
    before = gc.get_threshold()
    c = Collector(600)
    c.start()
    try:
        assert gc.get_threshold() == (module.YOUNG_THRESHOLD, 20, module.NEVER)
        assert gc.get_freeze_count() > 1000  # modules, the ORM, the app: never walked again
    finally:
        c.stop()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_full_collection_waits_for_a_quiet_moment_or_the_interval() -> None:
    c = Collector(600)
    c.start()
    try:
        c.busy()
        assert c.tick() is None  # just started, and busy
        c._last_full -= module.QUIET_MINIMUM + 1
        assert c.tick() is None  # long enough ago, but answers are coming in
        c._last_busy -= module.QUIET_SECONDS + 1
        assert c.tick() is not None  # quiet now: collect
        assert c.tick() is None  # and not again right away
        c.busy()
        c._last_full -= 601
        assert c.tick() is not None  # busy, but the interval is up: bounded garbage
    finally:
        c.stop()


def test_zero_leaves_pythons_own_schedule() -> None:
    before = gc.get_threshold()
    c = Collector(0)
    c.start()
    assert gc.get_threshold() == before and c.tick() is None
    c.stop()


async def test_a_facilitators_change_counts_as_busy_for_the_full_collection() -> None:
    from server.realtime.hub import Hub
    from server.services.events import StructureChanged
    from tests.realtime.loaders import MemoryLoader

    collector = Collector(600)
    hub = Hub(None, public_base="http://127.0.0.1:8000", loader=MemoryLoader(), collector=collector)
    collector._last_busy -= module.QUIET_SECONDS + 1
    collector._last_full -= module.QUIET_MINIMUM + 1
    await hub.publish([StructureChanged(meeting_id=7)])  # a reveal, say: the next may follow
    collector._before = gc.get_threshold()  # as if started, without freezing this test's objects
    assert collector.tick() is None
