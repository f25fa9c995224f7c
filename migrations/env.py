"""Alembic environment: the URL comes from the caller or Settings, metadata from db.tables."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from server.db import tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from server.db.engine import is_sqlite, make_engine
from server.settings import Settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or Settings().database_url
target_metadata = SQLModel.metadata


def run_offline() -> None:
    context.configure(
        url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=is_sqlite(url)
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=is_sqlite(url),
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
