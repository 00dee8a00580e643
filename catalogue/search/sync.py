"""Bringing an index generation up to date from the change log.

Every change of a service writes a ``ChangeLog`` row in the same transaction
(catalogue/operations.py). Before answering, a process asks the database for the log's
highest id; when it is past what the index reflects, the process takes the generation's
sync lock, re-reads the index state (another process may have just done the work),
reads the new rows, re-indexes the services they name from their committed state, and
commits the Whoosh writer before releasing the lock. Writers never meet: the sync lock
is taken first, so Whoosh's own write lock is always free (``LockError`` cannot happen;
the writer still has a timeout as a second line).

PostgreSQL hands out sequence ids at insert time but transactions commit in any order,
so id 11 can be visible before id 10. Ids below the highest one seen that are missing
are kept as *gaps* and looked up again on every sync until they appear or, after
``GAP_SECONDS``, are taken as rolled back.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, or_, select

from ..freshness import latest_change_id
from ..models import ChangeLog
from .generations import file_lock
from .long_postings import prune_long_postings
from .rows import service_rows
from .schema import document_of
from .state import GAP_SECONDS, INDEX_NAME, SyncState, read_state, write_state
from .whoosh_internals import codec

LOCK_FILE = "sync.lock"
# More changed services than this (a large import) are cheaper to index by a full rebuild.
REBUILD_ABOVE = 5000
LOCK_SECONDS = 30.0
MAX_GAPS = 5000


def sync_lock(directory: Path, timeout: float = LOCK_SECONDS) -> Any:
    return file_lock(directory / LOCK_FILE, timeout, 0.01,
                     "another process holds the search index lock")


def pending_rows(engine: Engine, state: SyncState) -> list[tuple[int, int]]:
    """Change-log rows the index has not applied: past its mark, or filling a gap."""
    cond = ChangeLog.id > state.applied
    if state.gaps:
        cond = or_(cond, ChangeLog.id.in_(sorted(state.gaps)))
    with engine.connect() as conn:
        return [(i, s) for i, s in conn.execute(select(ChangeLog.id, ChangeLog.service_id).where(cond))]


def needs_sync(engine: Engine, state: SyncState, latest: int | None = None) -> bool:
    """The cheap check made before every search (``latest``: the change log's highest id
    if the caller has just read it; below the index's mark, another process or thread
    has applied more since, and the database is asked, as it is without one)."""
    if latest is None or latest < state.applied:
        latest = latest_change_id(engine)
    if latest != state.applied:
        return True
    if state.gaps:
        return bool(pending_rows(engine, state)) or _expired(state)
    return False


def _expired(state: SyncState) -> bool:
    now = time.time()
    return any(now - t > GAP_SECONDS for t in state.gaps.values())


def advance(state: SyncState, seen: list[int]) -> SyncState:
    """The state after applying the rows ``seen``: new mark, gaps filled, gaps found."""
    now = time.time()
    seen_set = set(seen)
    top = max([state.applied, *seen])
    gaps = {g: t for g, t in state.gaps.items() if g not in seen_set and now - t <= GAP_SECONDS}
    for i in range(max(state.applied + 1, top - MAX_GAPS), top):
        if i not in seen_set:
            gaps[i] = now
    return SyncState(top, gaps)


def apply_changes(engine: Engine, directory: Path) -> int:
    """Apply pending change-log rows to the generation in ``directory``; returns how many
    services were re-indexed. Raises ``RebuildNeeded`` when a rebuild is the way."""
    from whoosh import index as whoosh_index
    from whoosh.index import TOC

    with sync_lock(directory):
        state = read_state(directory)
        if latest_change_id(engine) < state.applied:
            raise RebuildNeeded()
        rows = pending_rows(engine, state)
        new_state = advance(state, [i for i, _ in rows])
        service_ids = sorted({s for _, s in rows})
        if len(service_ids) > REBUILD_ABOVE:
            raise RebuildNeeded()
        if service_ids:
            with engine.connect() as conn:
                current = {r["id"]: r for r in service_rows(conn, service_ids=service_ids)}
            ix = whoosh_index.open_dir(str(directory), indexname=INDEX_NAME)
            writer = ix.writer(timeout=LOCK_SECONDS, codec=codec())
            try:
                for sid in service_ids:
                    row: dict[str, Any] | None = current.get(sid)
                    if row is None:
                        writer.delete_by_term("id", str(sid))
                    else:
                        writer.update_document(**document_of(row))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            ix.close()
            prune_long_postings(directory, {segment.segment_id() for segment in
                                            TOC.read(ix.storage, INDEX_NAME).segments})
        if new_state != state:
            write_state(directory, new_state)
        return len(service_ids)


class RebuildNeeded(Exception):
    """Rebuild instead of replaying: the change log is behind the index (the database was
    replaced), or so far ahead that a full build is quicker."""
