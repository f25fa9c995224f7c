"""Apply Alembic migrations programmatically (``kring serve`` upgrades on start)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from server.db.engine import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on a '%' in a password.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@cache
def latest_revisions() -> frozenset[str]:
    """The heads of the migration scripts, read once per process (they do not change while it
    runs): each `alembic upgrade` would load and compile every script again."""
    return frozenset(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def current_revisions(database_url: str) -> frozenset[str]:
    """The revisions the database's alembic_version table names (none for an empty database)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return frozenset(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def upgrade(database_url: str, revision: str = "heads") -> None:
    # A database already at the latest schema (every start of `kring serve` but the first, and
    # the tests' copies of one migrated database) is left as `alembic upgrade` would leave it,
    # without running env.py and loading the scripts again.
    if revision == "heads" and current_revisions(database_url) == latest_revisions():
        return
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
