"""Fixtures: a fresh database per test (SQLite and PostgreSQL), apps and live servers."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import Connection, Engine

from server.db.migrate import upgrade
from server.services import accounts
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
# Each app's hub starts with a full garbage collection, then freezes what survived
# (server/realtime/collector.py): in a server, once; in the test process, a walk over the whole
# suite's heap for each of the hundreds of apps it builds (0.3-1 s apiece, most of a test's
# setup). The suite's in-process apps leave collecting to Python; the `kring serve` processes tests
# start get the setting as it was given (tests/support.py: ServerProcess).
SERVE_GC_FULL_SECONDS = os.environ.get("KRING_GC_FULL_SECONDS")
os.environ["KRING_GC_FULL_SECONDS"] = "0"


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


# Passwords are hashed with argon2 at Kring's cost (64 MiB, 3 passes, 4 lanes): 0.1-0.5 s of CPU for
# each account made and each login tried, hundreds in the suite. Its in-process apps hash with the
# same algorithm and code at the least cost; the `kring` processes tests start hash as Kring does
# (tests/routes/test_accounts.py checks a stored hash's cost).
KRING_HASHER = accounts._hasher
_CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", _CHEAP_HASHER)
        patch.setattr(accounts, "_DUMMY_HASH", _CHEAP_HASHER.hash("not anyone's password"))
        yield


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


_TEMPLATE: dict[str, Path] = {}  # this process's migrated database, made when first asked for
_TMP: list[pytest.TempPathFactory] = []


@pytest.fixture(autouse=True, scope="session")
def _tmp_path_factory(tmp_path_factory: pytest.TempPathFactory) -> None:
    _TMP.append(tmp_path_factory)


def migrated_sqlite_url(directory: object, name: str = "kring-test.db") -> str:
    """A new SQLite database at the latest schema, in ``directory``: a copy of the one this process
    (a pytest-xdist worker) migrated first. Migrating costs 0.1-0.5 s, copying under 1 ms, and the
    copy holds what migrating would have left (tests/db/test_migrations.py checks that, and
    migrates for real). The file must not exist yet; ``name`` is the usual one, as ``sqlite_url`` names it."""
    target = Path(f"{directory}/{name}")
    assert not target.exists(), f"{target} exists: the copy would replace its database"
    shutil.copyfile(_sqlite_template(), target)
    return f"sqlite:///{target}"


def _sqlite_template() -> Path:
    if "db" not in _TEMPLATE:
        path = _TMP[0].mktemp("migrated-template") / "kring.db"
        upgrade(f"sqlite:///{path}")
        # The whole database in the one file that is copied: the engine that closed last has
        # checkpointed the WAL into it; checkpoint once more, and no WAL content may be left.
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        wal = path.with_name(f"{path.name}-wal")
        assert not wal.exists() or wal.stat().st_size == 0, f"{wal} still holds pages"
        _TEMPLATE["db"] = path
    return _TEMPLATE["db"]


def postgres_schema_url(schema: str) -> str:
    """The test database's URL with ``schema`` first on the search path."""
    assert POSTGRES_URL is not None
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


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
    try:
        yield postgres_schema_url(schema)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """An empty database at the latest schema; the tests using it run on both engines."""
    if request.param == "sqlite":
        return migrated_sqlite_url(tmp_path)
    url: str = request.getfixturevalue("postgres_url")
    migrate_postgres(url)
    return url


_POSTGRES_MIGRATION: list[tuple[str, Any]] = []  # what migrating an empty schema executed


def migrate_postgres(url: str) -> None:
    """Bring an empty PostgreSQL schema (``postgres_url``) to the latest revision. The first in
    this process is migrated, and the statements Alembic sent recorded; the others get those
    statements again, in one transaction as Alembic ran them: 70 ms instead of 180 (the schemas
    are compared in tests/db/test_migrations.py)."""
    if _POSTGRES_MIGRATION:
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                for statement, parameters in _POSTGRES_MIGRATION:
                    connection.exec_driver_sql(statement, parameters)
        finally:
            engine.dispose()
        return
    target = make_url(url)
    sent: list[tuple[str, Any]] = []

    def record(connection: Connection, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if connection.engine.url == target:
            sent.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        upgrade(url)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    # The catalogue lookups and reads change nothing (on an empty schema, 0007's loop over the
    # meetings reads none): the rest is the schema and alembic_version.
    _POSTGRES_MIGRATION.extend(s for s in sent if not s[0].lstrip().upper().startswith(("SELECT", "SHOW")))


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
