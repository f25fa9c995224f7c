"""Fixtures: a fresh database per test (SQLite and PostgreSQL), apps and live servers."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from server.db.migrate import upgrade
from tests.figures import figures, pytest_configure
from tests.ports import release_ports

POSTGRES_URL = os.environ.get("KRING_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("KRING_TEST_REDIS_URL")
REQUIRE_SERVICES = os.environ.get("KRING_REQUIRE_SERVICES") == "1"
__all__ = ["figures", "pytest_configure"]  # the trust suite's figures table (tests/figures.py)

# Every app the suite builds checks its rooms against a recount of the database after every
# committed batch (docs: KRING_CHECK_INVARIANTS): Settings read it from here, and the `kring
# serve` processes tests start inherit it. A test may still set it to "0" for itself.
os.environ.setdefault("KRING_CHECK_INVARIANTS", "1")
# The suite's in-process apps commit on threads: with the writer process (the default), each of
# the hundreds of apps it builds would start an interpreter. The `kring serve` processes tests
# start (tests/support.py: the trust suite's kill -9, dedup race, resync …) run the default, and
# the writer's own tests and the exactly-once tests run both.
os.environ.setdefault("KRING_BATCH_WRITER", "thread")


class _Broken(logging.Handler):
    """Collects what the invariant check reports in this process (apps in-process and in threads)."""

    def __init__(self) -> None:
        super().__init__(logging.CRITICAL)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.found.append(record.getMessage())


_BROKEN = _Broken()
logging.getLogger("kring.invariants").addHandler(_BROKEN)


@pytest.fixture(autouse=True)
def _invariants_hold() -> Iterator[None]:
    """A test during which a room and its database disagreed fails, whatever it asserted."""
    before = len(_BROKEN.found)
    yield
    found = _BROKEN.found[before:]
    if found:
        pytest.fail(f"KRING_CHECK_INVARIANTS: {found[0][:2000]}", pytrace=False)


@pytest.fixture(autouse=True)
def _ports_held_for_the_test() -> Iterator[None]:
    """The ports this test's servers got from tests.support.free_port, let go once it ended."""
    yield
    release_ports()


def _service_missing(name: str, env: str) -> None:
    message = f"{name} is not configured: set {env}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (KRING_REQUIRE_SERVICES=1 makes this an error)")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every URL the app builds must point at this machine.
    monkeypatch.setenv("KRING_PUBLIC_URL", "http://127.0.0.1:8000")


def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/kring-test.db"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the test database, dropped afterwards."""
    if not POSTGRES_URL:
        _service_missing("PostgreSQL", "KRING_TEST_POSTGRES_URL")
    assert POSTGRES_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # pragma: no cover - service down
        admin.dispose()
        if REQUIRE_SERVICES:
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}")
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """An empty database at the latest schema; the tests using it run on both engines."""
    url = sqlite_url(tmp_path) if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    upgrade(url)
    return url


@pytest.fixture
def redis_url() -> str:
    """The shared Redis, on a channel of this test's own (``?channel=``): tests on both pytest-xdist
    workers publish meeting ids that repeat across their PostgreSQL schemas, and pub/sub ignores
    the database number."""
    if not REDIS_URL:
        _service_missing("Redis", "KRING_TEST_REDIS_URL")
    assert REDIS_URL is not None
    separator = "&" if "?" in REDIS_URL else "?"
    return f"{REDIS_URL}{separator}channel=kring-test-{uuid.uuid4().hex[:12]}"
