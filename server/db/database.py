"""Runs units of work off the event loop: one session, one transaction, commit at the end."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

P = ParamSpec("P")
T = TypeVar("T")


class Database:
    def __init__(self, engine: Engine, *, threads: int = 4) -> None:
        self.engine = engine
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kring-db")

    def transaction(self, fn: Callable[..., T], *args: object, retries: int = 3) -> T:
        """Run ``fn(session, *args)`` in one transaction; retry when a concurrent writer won."""
        for attempt in range(retries + 1):
            with Session(self.engine, expire_on_commit=False) as session:
                try:
                    result = fn(session, *args)
                    session.commit()
                    return result
                except (IntegrityError, OperationalError) as exc:
                    session.rollback()
                    if attempt == retries or not _retryable(exc):
                        raise
        raise AssertionError("unreachable")

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: self.transaction(fn, *args))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.engine.dispose()


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        # A unique-constraint race with another worker: the retry sees the winner's row.
        return True
    text = str(exc).lower()
    return "database is locked" in text or "deadlock" in text or "could not serialize" in text
