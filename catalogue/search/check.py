"""Looking at the index without touching it: is the current generation whole (the health
check), and does it hold exactly the published catalogue (``search-index check``)?

Nothing here repairs or rebuilds: a load balancer's probe must never start a full build,
and an operator who asks for a comparison wants the answer before any change. Repair is
the engine's (on the next search) and ``reindex``'s.
"""

from __future__ import annotations

import gc
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select

from ..models import Service, Status
from .generations import IndexHome, open_generation
from .state import read_state
from .sync import pending_rows


def index_status(index_dir: str | Path) -> str:
    """"ok" when the current generation opens whole; "missing" or "error: <kind>" otherwise."""
    home = IndexHome.at(index_dir)
    current = home.current()
    if current is None:
        return "missing"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            open_generation(current).close()
        except Exception as exc:  # noqa: BLE001 - a damaged index raises whatever Whoosh raises
            failure = f"error: {type(exc).__name__}"
        else:
            return "ok"
        gc.collect()  # Whoosh leaves the file of a damaged table of contents open
    return failure


@dataclass
class IndexCheck:
    """How the index on disk differs from the database's published catalogue."""

    status: str
    indexed: int = 0
    published: int = 0
    missing: list[str] = field(default_factory=list)  # codes published but not indexed
    extra: list[int] = field(default_factory=list)  # service ids indexed but not published
    pending: int = 0  # change-log rows the index has not applied yet

    @property
    def ok(self) -> bool:
        return self.status == "ok" and not (self.missing or self.extra or self.pending)


def check_index(db: Engine, index_dir: str | Path) -> IndexCheck:
    status = index_status(index_dir)
    if status != "ok":
        return IndexCheck(status)
    current = IndexHome.at(index_dir).current()
    assert current is not None
    ix = open_generation(current)
    try:
        with ix.reader() as reader:
            indexed = {int(fields["id"]) for fields in reader.all_stored_fields()}
    finally:
        ix.close()
    with db.connect() as conn:
        published = dict(conn.execute(
            select(Service.id, Service.code).where(Service.status == Status.PUBLISHED)).all())
    pending = len(pending_rows(db, read_state(current)))
    return IndexCheck(
        status, len(indexed), len(published),
        missing=sorted(code for sid, code in published.items() if sid not in indexed),
        extra=sorted(indexed - set(published)), pending=pending,
    )
