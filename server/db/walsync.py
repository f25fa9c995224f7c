"""The WAL's fsync once a second, for SQLite with ``synchronous=NORMAL``.

With NORMAL a commit is written to the WAL before it returns (a process crash or ``kill -9``
loses nothing acknowledged) but not flushed to the disk: that fsync was most of a lone answer's
commit, and its tail under a loaded disk was longer than the small room's whole p99. A power cut
or an operating-system crash could then lose every commit since SQLite's last checkpoint; this
thread flushes the WAL each ``every`` seconds, so it loses at most that much.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine

from server.db.engine import is_sqlite

log = logging.getLogger("kring.db")

SYNC_EVERY = 1.0  # seconds: what a power cut can lose of what was acknowledged


class WalSync:
    def __init__(self, wal: Path, every: float = SYNC_EVERY, fsync: Callable[[int], None] = os.fsync) -> None:
        self.wal = wal
        self.every = every
        self._fsync = fsync
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def of(cls, engine: Engine, synchronous: str, every: float = SYNC_EVERY) -> WalSync | None:
        """The WAL to flush, for a SQLite file whose commits are not flushed themselves."""
        database = engine.url.database
        if not is_sqlite(str(engine.url)) or synchronous != "normal" or database in (None, "", ":memory:"):
            return None
        return cls(Path(f"{database}-wal"), every)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kring-wal-sync", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop, after a last flush."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.sync()

    def sync(self) -> bool:
        """Flush the WAL to the disk; False when there is none (SQLite removes it on closing)."""
        try:
            fd = os.open(self.wal, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            self._fsync(fd)  # flushes the file, whichever descriptor wrote it
        finally:
            os.close(fd)
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            with contextlib.suppress(OSError):  # a full or failing disk: SQLite's own writes say so
                self.sync()
