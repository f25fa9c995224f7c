"""Alembic: an empty database upgrades to head, matches the models, and downgrades again."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import SQLModel

from server.db import tables  # noqa: F401
from server.db.engine import make_engine
from server.db.migrate import alembic_config, downgrade, upgrade
from tests.conftest import sqlite_url


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
