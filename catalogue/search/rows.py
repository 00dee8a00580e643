"""The published services as the index reads them: plain rows straight from the tables,
with their agency's and field's names, streamed (no ORM objects on a 100,000-row build)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..models import Agency, Field, Service, Status


def service_rows(conn: Connection, service_ids: list[int] | None = None,
                 part: tuple[int, int] | None = None) -> Iterator[dict[str, Any]]:
    """Published services as plain rows, with their agency's and field's names."""
    s = Service.__table__
    a = Agency.__table__
    f = Field.__table__
    stmt = (
        select(s, a.c.code.label("agency_code"), a.c.name.label("agency_name"),
               f.c.name.label("field_name"))
        .join(a, s.c.agency_id == a.c.id).join(f, s.c.field_id == f.c.id)
        .where(s.c.status == Status.PUBLISHED.value)
    )
    if service_ids is not None:
        stmt = stmt.where(s.c.id.in_(service_ids))
    if part is not None:
        stmt = stmt.where(s.c.id % part[1] == part[0])
    result = conn.execution_options(yield_per=2000).execute(stmt)
    for row in result.mappings():
        yield dict(row)
