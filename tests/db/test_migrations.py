"""Alembic: an empty database upgrades to head, matches the models, and downgrades again."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from server.db import tables  # noqa: F401
from server.db.engine import make_engine
from server.db.migrate import alembic_config, current_revisions, downgrade, latest_revisions, upgrade
from tests.conftest import (
    POSTGRES_URL,
    migrate_postgres,
    migrated_sqlite_url,
    postgres_schema_url,
    sqlite_url,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_migrations_upgrade_matches_models_and_downgrades(empty_url: str) -> None:
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
            names = set(inspect(connection).get_table_names())
        assert {"meeting", "activity", "participant", "answer", "submission"} <= names
        downgrade(empty_url)
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_migrations_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    url = sqlite_url(tmp_path)
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_migrations_form_one_line() -> None:
    """Each migration follows exactly one other: helpers working side by side must not fork the
    chain (two heads upgrade fine with "heads" yet give two orders of the same changes)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_heads() == [script.get_current_head()], script.get_heads()
    revisions = list(script.walk_revisions())
    assert [r.revision for r in revisions] == sorted((r.revision for r in revisions), reverse=True), (
        "revision ids follow the chain's order: name a new migration after the head it revises"
    )


def _contents(path: Path) -> dict[str, Any]:
    """Everything in an SQLite file: its schema (tables, indexes, triggers as declared), its
    rows, and the header settings migrating leaves (WAL, user version)."""
    with sqlite3.connect(path) as db:
        schema = db.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        tables = [name for kind, name, _, _ in schema if kind == "table"]
        rows = {table: db.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall() for table in tables}
        pragmas = {
            p: db.execute(f"PRAGMA {p}").fetchone() for p in ("journal_mode", "user_version", "encoding")
        }
    db.close()
    return {"schema": schema, "rows": rows, "pragmas": pragmas}


def test_the_tests_copy_of_a_migrated_database_is_what_migrating_leaves(tmp_path: Path) -> None:
    """tests/conftest.py: migrated_sqlite_url copies one database migrated per process instead
    of migrating each test's; the copy must not drift from a database migrated now."""
    (tmp_path / "fresh").mkdir()
    (tmp_path / "copy").mkdir()
    fresh = sqlite_url(tmp_path / "fresh")
    upgrade(fresh)
    copy = migrated_sqlite_url(tmp_path / "copy")
    expected = _contents(tmp_path / "fresh" / "kring-test.db")
    assert expected["schema"] and expected["rows"]["alembic_version"]  # it has something to compare
    assert _contents(tmp_path / "copy" / "kring-test.db") == expected
    assert current_revisions(copy) == latest_revisions()


def test_upgrade_skips_only_a_database_at_the_latest_revisions(tmp_path: object) -> None:
    """upgrade() leaves a database at the heads alone without running Alembic; one behind (or
    empty) it still upgrades."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_revision(script.get_current_head())
    assert isinstance(head.down_revision, str)
    url = sqlite_url(tmp_path)
    assert current_revisions(url) == frozenset()
    upgrade(url, head.down_revision)
    assert current_revisions(url) == {head.down_revision}
    upgrade(url)
    assert current_revisions(url) == latest_revisions() == {head.revision}
    upgrade(url)  # already there: nothing to do
    assert current_revisions(url) == {head.revision}


def _schema(url: str) -> dict[str, Any]:
    """What SQLAlchemy's inspector sees of a schema: tables with their columns, keys, foreign
    keys, indexes, unique and check constraints; the sequences; alembic_version's rows."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            seen = inspect(connection)
            found: dict[str, Any] = {
                table: {
                    "columns": [
                        (c["name"], str(c["type"]), c["nullable"], c["default"], c.get("autoincrement"))
                        for c in seen.get_columns(table)
                    ],
                    "primary key": seen.get_pk_constraint(table),
                    "foreign keys": sorted(seen.get_foreign_keys(table), key=repr),
                    "indexes": sorted(seen.get_indexes(table), key=repr),
                    "unique": sorted(seen.get_unique_constraints(table), key=repr),
                    "checks": sorted(seen.get_check_constraints(table), key=repr),
                }
                for table in sorted(seen.get_table_names())
            }
            found["sequences"] = sorted(seen.get_sequence_names())
            found["alembic_version"] = connection.exec_driver_sql("SELECT * FROM alembic_version").all()
    finally:
        engine.dispose()
    return found


@pytest.mark.postgres
def test_the_tests_replayed_postgres_migration_is_what_migrating_leaves(postgres_url: str) -> None:
    """tests/conftest.py: migrate_postgres sends a test's schema the statements migrating the
    first one sent, instead of migrating each; the result must not drift from a migrated one."""
    assert POSTGRES_URL is not None
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    schemas = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    urls = [postgres_schema_url(name) for name in schemas]
    try:
        with admin.connect() as connection:
            for name in schemas:
                connection.execute(text(f'CREATE SCHEMA "{name}"'))
        upgrade(postgres_url)  # Alembic
        migrate_postgres(urls[0])  # Alembic, recorded, if it is this process's first
        migrate_postgres(urls[1])  # replayed
        expected = _schema(postgres_url)
        assert expected["meeting"]["foreign keys"] and expected["sequences"]  # it has something to compare
        assert _schema(urls[1]) == expected
        assert current_revisions(urls[1]) == latest_revisions()
    finally:
        with admin.connect() as connection:
            for name in schemas:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()
