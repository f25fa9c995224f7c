"""Engine construction; SQLite gets WAL, its synchronous level, foreign keys and a busy timeout."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


Synchronous = Literal["normal", "full"]


def make_engine(url: str, *, synchronous: Synchronous = "normal", **kwargs: Any) -> Engine:
    """``synchronous`` (SQLite): "full" flushes the WAL to the disk in every commit; "normal" in a
    checkpoint, and the server's WalSync once a second (server/db/walsync.py). Either way a commit
    is in the WAL file when it returns, so a process crash loses nothing committed."""
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", partial(_sqlite_pragmas, synchronous.upper()))
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(synchronous: str, dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
    finally:
        cursor.close()
