"""Rows written through the driver's ``executemany`` with prebuilt tuples.

A batch of a whole hall's answers is thousands of rows. Through SQLAlchemy's compiled statements
each row's parameters are built, keyed and converted one by one (``_init_compiled``,
``construct_params``, the DATETIME and JSON bind processors): in the profile of 5,000 answers/s
that was most of the database threads' time, on the interpreter lock the event loop needs. Here
the statement text is built once per dialect, the bind processors are looked up once, and the
rows go to ``exec_driver_sql`` as tuples: the driver's own ``executemany`` (sqlite3's, or
psycopg's pipeline), in the session's transaction. Values pass the column types' own bind
processors, so what is stored is what SQLAlchemy would have stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Dialect, Table
from sqlmodel import Session

Processor = Callable[[Any], Any] | None
_NONE = object()  # no value converted yet


class Many:
    """An INSERT of ``columns``, or an UPDATE setting ``columns`` where ``key`` equals the last value."""

    def __init__(self, table: Table, columns: Sequence[str], *, key: str | None = None) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.key = key
        self._built: dict[str, tuple[str, tuple[Processor, ...]]] = {}

    def _for(self, dialect: Dialect) -> tuple[str, tuple[Processor, ...]]:
        built = self._built.get(dialect.name)
        if built is not None:
            return built
        mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle or "")
        if mark is None:
            raise NotImplementedError(f"no prebuilt statements for the {dialect.paramstyle} paramstyle")
        quote = dialect.identifier_preparer.quote
        table = dialect.identifier_preparer.format_table(self.table)
        names = [*self.columns, *([self.key] if self.key else [])]
        if self.key is None:
            listed = ", ".join(quote(c) for c in self.columns)
            sql = f"INSERT INTO {table} ({listed}) VALUES ({', '.join(mark for _ in self.columns)})"
        else:
            assigned = ", ".join(f"{quote(c)} = {mark}" for c in self.columns)
            sql = f"UPDATE {table} SET {assigned} WHERE {quote(self.key)} = {mark}"
        types = (self.table.c[name].type.dialect_impl(dialect) for name in names)
        processors = tuple(t.bind_processor(dialect) for t in types)
        built = (sql, processors)
        self._built[dialect.name] = built
        return built

    def run(self, session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
        """Write ``rows`` (values in the order of ``columns``, then the key) in one executemany."""
        if not rows:
            return
        connection = session.connection()
        sql, processors = self._for(connection.dialect)
        converting = [(i, p) for i, p in enumerate(processors) if p is not None]
        if converting:
            # A value shared by every row (the batch's one timestamp) is converted once.
            last: list[tuple[Any, Any]] = [(_NONE, None) for _ in converting]
            prepared: list[tuple[Any, ...]] = []
            for row in rows:
                values = list(row)
                for n, (i, process) in enumerate(converting):
                    value = values[i]
                    seen, done = last[n]
                    if value is not seen:
                        done = process(value)
                        last[n] = (value, done)
                    values[i] = done
                prepared.append(tuple(values))
            rows = prepared
        connection.exec_driver_sql(sql, list(rows))
