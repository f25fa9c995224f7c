"""SQLite's synchronous level, and the WAL flushed by the server when commits do not flush it."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text

from server.db.engine import make_engine
from server.db.migrate import upgrade
from server.db.walsync import WalSync
from tests.conftest import sqlite_url
from tests.factories import client_for


class Flushes:
    """Stands in for os.fsync: the files (by inode) it was asked to flush."""

    def __init__(self) -> None:
        self.inodes: list[int] = []

    def __call__(self, fd: int) -> None:
        self.inodes.append(os.fstat(fd).st_ino)


def test_walsync_sqlite_synchronous_is_normal_unless_full_is_asked(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    for synchronous, level in (("normal", 1), ("full", 2)):
        engine = make_engine(url, synchronous=synchronous)  # type: ignore[arg-type]
        try:
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == level
        finally:
            engine.dispose()


def test_walsync_flushes_the_wal_that_commits_wrote(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    engine = make_engine(url)
    flushes = Flushes()
    wal = WalSync.of(engine, "normal")
    assert wal is not None and wal.wal == tmp_path / "kring-test.db-wal"
    wal = WalSync(wal.wal, fsync=flushes)
    assert wal.sync() is False and flushes.inodes == []  # nothing written yet: no WAL
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        assert wal.sync() is True
        assert flushes.inodes == [os.stat(tmp_path / "kring-test.db-wal").st_ino]
    finally:
        engine.dispose()


def test_walsync_flushes_once_more_when_it_stops(tmp_path: Path) -> None:
    (tmp_path / "kring-test.db-wal").write_bytes(b"")
    flushes = Flushes()
    wal = WalSync(tmp_path / "kring-test.db-wal", every=3600, fsync=flushes)
    wal.start()
    wal.stop()
    assert len(flushes.inodes) == 1


def test_walsync_runs_only_where_commits_do_not_flush(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    assert WalSync.of(make_engine(url, synchronous="full"), "full") is None
    assert WalSync.of(make_engine("sqlite://"), "normal") is None
    assert WalSync.of(make_engine("postgresql+psycopg://u@127.0.0.1/x"), "normal") is None
    upgrade(url)
    with client_for(url) as client:
        assert isinstance(client.app.state.wal, WalSync)  # type: ignore[attr-defined]
    with client_for(url, sqlite_synchronous="full") as client:
        assert client.app.state.wal is None  # type: ignore[attr-defined]
