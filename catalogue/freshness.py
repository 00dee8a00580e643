"""How a process knows that its copies of the catalogue are still current.

Every committed change of a service writes a change-log row in the same transaction
(operations.record_revision), so the change log's top is a stamp of the whole catalogue:
the search index replays the rows after the id it has seen, and the portal's page cache
drops pages rendered under another stamp. Both are reads of the primary key, cheap
enough for every request, and give the same answer in every worker and on every
machine sharing the database.

PostgreSQL hands out ids at insert time but transactions commit in any order, so id 11
can be visible before id 10; the highest id alone would then miss 10 arriving. The
page stamp therefore also counts the rows among the last ``STAMP_WINDOW`` ids: a late
commit inside that window changes the count. (The search index tracks such gaps one by
one instead: search/sync.py.)
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, func, select

from .models import ChangeLog

STAMP_WINDOW = 1000


# Built once: both are asked at every request, and making them cost more than running them.
_LATEST = select(func.max(ChangeLog.id))
_STAMP = select(func.max(ChangeLog.id), func.count()).where(
    ChangeLog.id > select(func.max(ChangeLog.id)).scalar_subquery() - STAMP_WINDOW)


def latest_change_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(_LATEST) or 0


def catalogue_stamp(bind: Engine | Connection) -> tuple[int, int]:
    """(highest change id, rows among the last STAMP_WINDOW ids): changes whenever any
    change of a service becomes visible, in whatever order transactions commit.
    ``bind``: an engine (a connection is taken for the read) or the connection a request
    already holds.

    SQLite lets one writer at a time hold its transaction from first write to commit, so
    ids become visible in order there and the highest says it all: the count (a range
    scan of a thousand rows, about 0,1 ms at every request) is read on PostgreSQL only."""
    if not isinstance(bind, Connection):
        with bind.connect() as conn:
            return catalogue_stamp(conn)
    if bind.dialect.name == "sqlite":
        return bind.scalar(_LATEST) or 0, 0
    highest, count = bind.execute(_STAMP).one()
    return highest or 0, count
