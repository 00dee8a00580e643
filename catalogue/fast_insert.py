"""Many rows into one table at the speed of the database driver, for bulk import.

A Core ``insert()`` with a list of rows spends most of its time in Python, per row and per
column: building parameter dicts, calling each type's bind processor, serialising JSON
with the standard library. Here each column's processor is looked up once, JSON is
written by orjson, and the rows go to the driver in one call: ``executemany`` on SQLite,
a binary ``COPY ... FROM STDIN`` on PostgreSQL (each column's type named, so the server
parses no text). The values stored are those an ORM insert stores (the same bind
processors, the same column defaults), except that JSON text is compact.

Everything runs on the session's own connection, inside its transaction: nothing here
commits, and a rollback takes it all back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from psycopg.types.json import set_json_dumps
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON

_PG_TYPES = {"TIMESTAMP WITHOUT TIME ZONE": "timestamp", "INTEGER": "int4", "BIGINT": "int8",
             "BOOLEAN": "bool", "SMALLINT": "int2"}


def _pg_type(compiled: str) -> str:
    """A column's PostgreSQL type as psycopg names it ("VARCHAR(32)" -> "varchar")."""
    base = compiled.split("(", 1)[0].strip()
    return _PG_TYPES.get(base, base.lower())


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


class TableWriter:
    """Writes rows (dicts keyed by column name, every row the same keys) into ``table``."""

    def __init__(self, session: Session, table: Table, keys: Sequence[str]) -> None:
        self.session = session
        self.table = table
        connection = session.connection()
        # The driver's connection, held by the session until its commit: taken here so
        # that writes may run on another thread without touching the session.
        self.raw = connection.connection.dbapi_connection
        self.dialect = connection.dialect
        self.postgres = self.dialect.name == "postgresql"
        given = list(keys)
        # Columns not given: their Python-side default, as Core would add it; a server
        # default or NULL otherwise (the column is then left out of the statement).
        self.defaults: list[tuple[str, Callable[[], Any]]] = []
        for column in table.columns:
            if column.name in given or column.primary_key or column.default is None:
                continue
            default = column.default
            if default.is_callable:  # type: ignore[attr-defined]
                self.defaults.append((column.name, lambda d=default: d.arg(None)))  # type: ignore[attr-defined,misc]
            elif default.is_scalar:  # type: ignore[attr-defined]
                self.defaults.append((column.name, lambda d=default: d.arg))  # type: ignore[attr-defined,misc]
        self.names = given + [name for name, _ in self.defaults]
        self.processors: list[Callable[[Any], Any] | None] = []
        for name in self.names:
            column = table.c[name]
            if isinstance(column.type, JSON):
                # PostgreSQL's binary COPY takes the value itself (dumped by orjson, below).
                self.processors.append(None if self.postgres else _json)
            else:
                self.processors.append(column.type.dialect_impl(self.dialect).bind_processor(self.dialect))
        # PostgreSQL's binary COPY: each column's type by name, so the server converts
        # nothing from text (the driver writes binary values in C).
        self.pg_types = [_pg_type(table.c[name].type.compile(dialect=self.dialect))
                         for name in self.names] if self.postgres else []
        preparer = self.dialect.identifier_preparer
        self.table_sql = preparer.format_table(table)
        self.columns_sql = ", ".join(preparer.quote(name) for name in self.names)

    def _values(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """The rows as tuples of driver values, built a column at a time (a list
        comprehension per column costs a fraction of a Python loop per value)."""
        given = len(self.names) - len(self.defaults)
        columns: list[list[Any]] = []
        for position, name in enumerate(self.names):
            if position < given:
                values = [row[name] for row in rows]
            else:
                make = self.defaults[position - given][1]
                values = [make() for _ in rows]
            process = self.processors[position]
            if process is _json:
                values = [None if v is None else _json(v) for v in values]
            elif process is not None:
                # Dates, times and enum values repeat (a batch's revisions share their
                # recording time): each distinct value is converted once.
                converted = {v: process(v) for v in set(values) if v is not None}
                values = [None if v is None else converted[v] for v in values]
            columns.append(values)
        return list(zip(*columns, strict=True))

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        values = self._values(rows)
        assert self.raw is not None
        cursor = self.raw.cursor()
        try:
            if self.postgres:
                statement = f"COPY {self.table_sql} ({self.columns_sql}) FROM STDIN (FORMAT BINARY)"
                set_json_dumps(orjson.dumps, context=cursor)
                with cursor.copy(statement) as copy:
                    copy.set_types(self.pg_types)
                    for value in values:
                        copy.write_row(value)
            else:
                marks = ", ".join("?" * len(self.names))
                cursor.executemany(
                    f"INSERT INTO {self.table_sql} ({self.columns_sql}) VALUES ({marks})", values)
        finally:
            cursor.close()


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """Primary keys for ``count`` new rows of ``table`` taken from PostgreSQL's sequence
    (unique whatever else is inserted meanwhile; those left unused are gaps, as a rolled
    back insert leaves)."""
    connection = session.connection()
    if count == 0:
        return []
    name = connection.dialect.identifier_preparer.format_table(table)
    sequence = func.pg_get_serial_sequence(name, "id")
    return list(session.scalars(select(func.nextval(sequence)).select_from(func.generate_series(1, count))))


def last_ids(session: Session, table: Table, count: int) -> list[int]:
    """The ids SQLite gave the ``count`` rows just inserted by one ``executemany``: the
    transaction holds the write lock from its first insert, and each new row takes the
    highest id plus one, so they are the ``count`` ids up to the highest."""
    top = session.scalar(select(func.max(table.c.id))) or 0
    return list(range(top - count + 1, top + 1))


__all__ = ["TableWriter", "last_ids", "reserve_ids"]
