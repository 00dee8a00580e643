"""A throwaway PostgreSQL schema for one benchmark run, so a bench never touches the tables
of the database it is pointed at; the returned callable drops it again."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from sqlalchemy import create_engine, text


def scratch_schema(base_url: str, name: str) -> tuple[str, Callable[[], None]]:
    """The URL of ``base_url`` with ``search_path`` set to a new schema ``name``, and its drop."""
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))

    def drop() -> None:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        engine.dispose()

    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options={quote(f'-csearch_path={name}')}", drop
