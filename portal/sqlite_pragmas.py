"""SQLite tuned for several gunicorn workers on one machine.

In its default journal mode SQLite blocks readers while a writer commits and syncs the
disk twice per commit; every worker then waits on every save (and on each page-view
counter). Write-ahead logging lets readers go on during a write, and ``synchronous=NORMAL``
syncs at checkpoints rather than at each commit, which WAL keeps crash-safe (a commit
lost on power failure, never a corrupt file). ``busy_timeout`` makes a writer wait its
turn instead of failing at once with "database is locked".
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 10_000


@event.listens_for(Engine, "connect")
def tune_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()
