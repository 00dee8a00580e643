"""What an index generation records beside its segments: the change-log position it
reflects (``state.json``), and the mark a new build takes from the log."""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ..models import ChangeLog

STATE_FILE = "state.json"
INDEX_NAME = "MAIN"
# How long a missing change-log id is waited for before it is taken as rolled back.
GAP_SECONDS = 900


class IndexUnavailable(Exception):
    """The index cannot be opened or built (e.g. the directory is not writable)."""


@dataclass
class SyncState:
    """The change-log position an index generation reflects.

    ``applied`` is the highest change-log id applied; ``gaps`` are lower ids not seen
    yet (a PostgreSQL transaction may commit id 11 before id 10), with the time each was
    first missed; they are looked for on every sync until they appear or expire.
    """

    applied: int = 0
    gaps: dict[int, float] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"applied": self.applied, "gaps": {str(k): v for k, v in self.gaps.items()}})

    @classmethod
    def from_json(cls, text: str) -> SyncState:
        data = json.loads(text)
        return cls(int(data["applied"]), {int(k): float(v) for k, v in data["gaps"].items()})


def read_state(directory: Path) -> SyncState:
    return SyncState.from_json((directory / STATE_FILE).read_text())


def write_state(directory: Path, state: SyncState) -> None:
    tmp = directory / f".{STATE_FILE}.{uuid.uuid4().hex}"
    tmp.write_text(state.to_json())
    os.replace(tmp, directory / STATE_FILE)


def change_log_mark(conn: Connection) -> SyncState:
    """The log position a build starting now reflects: the highest id, and missing ids
    just below it that may still be in flight."""
    top = conn.scalar(select(func.max(ChangeLog.id))) or 0
    window = 1000
    seen = set(conn.scalars(select(ChangeLog.id).where(ChangeLog.id > top - window)))
    now = time.time()
    gaps = {i: now for i in range(max(1, top - window + 1), top + 1) if i not in seen}
    return SyncState(top, gaps)


def mark_after_import(conn: Connection, before: SyncState, services: set[int]) -> SyncState:
    """The log position of an index holding exactly what an import wrote since ``before``
    (read in the import's transaction, before its commit): its own rows applied; a row of
    anyone else's written meanwhile, an id not visible yet, and the gaps already open at
    ``before`` left as gaps, which the next sync looks up and applies."""
    now = time.time()
    mark = change_log_mark(conn)
    gaps = {**before.gaps, **mark.gaps}
    seen = set()
    for log_id, service_id in conn.execute(
            select(ChangeLog.id, ChangeLog.service_id).where(ChangeLog.id > before.applied)):
        seen.add(log_id)
        if service_id not in services:
            gaps[log_id] = now
    gaps.update({i: now for i in range(before.applied + 1, mark.applied + 1) if i not in seen})
    return SyncState(mark.applied, gaps)
