"""Time limits on every talk with PostgreSQL, so that a silent network gives the
Vietnamese 503 within seconds instead of a worker hung until gunicorn kills it.

All of them are set here, in one place (``engine_options`` and ``guard_engine``):

- connecting: psycopg's ``connect_timeout`` covers the whole start-up, not only TCP;
- a statement the server is slow to finish: PostgreSQL's ``statement_timeout`` (sent as
  ``options``, added to any ``options`` the URL already carries, e.g. a search_path);
- a path that dies quietly (packets dropped): TCP keepalives and ``tcp_user_timeout``;
- waiting for a free pooled connection: the pool's ``pool_timeout``;
- a peer that takes the bytes but never answers (a frozen proxy, a hung server or
  firewall keeping the connection open): none of the above fires, since the kernel at
  the other end acknowledges what is sent. A watchdog thread therefore shuts down the
  socket of a connection whose statement is not answered in time; psycopg then fails
  with ``OperationalError``, which the error pages turn into the 503.

SQLAlchemy's ``pool_pre_ping`` has no limit of its own, so a pooled connection is checked
here instead, on checkout, with a guarded ``SELECT 1`` (``PING_SECONDS``); a dead one is
replaced once by a new connection, under ``connect_timeout``. SQLite needs none of this.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

PING_SECONDS = 2.0
# The watchdog waits a little longer than the server's own statement_timeout, so that a
# slow statement on a healthy network ends with the server's clear error, not a cut.
WATCHDOG_MARGIN_SECONDS = 2.0


def engine_options(uri: str, connect_timeout: float, statement_timeout: float,
                   base: dict[str, Any] | None = None) -> dict[str, Any]:
    """SQLALCHEMY_ENGINE_OPTIONS for ``uri``: the time limits for PostgreSQL, as they were
    for SQLite (whose file cannot go silent)."""
    options = dict(base or {})
    url = make_url(uri)
    if url.get_backend_name() != "postgresql":
        options.setdefault("pool_pre_ping", True)
        return options
    given = url.query.get("options") or ""
    if isinstance(given, tuple):
        given = " ".join(given)
    server_options = f"{given} -c statement_timeout={int(statement_timeout * 1000)}".strip()
    connect_args = {
        "connect_timeout": max(2, int(connect_timeout)),
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 2,
        "keepalives_count": 3,
        "tcp_user_timeout": int(connect_timeout * 1000),
        "options": server_options,
        **options.get("connect_args", {}),
    }
    for name in set(connect_args) & set(url.query) - {"options"}:
        del connect_args[name]  # a value written in DATABASE_URL wins
    options.update(connect_args=connect_args, pool_timeout=connect_timeout,
                   pool_pre_ping=False)  # guard_engine pings, with a limit
    return options


class Watchdog:
    """Shuts down the socket of a connection still waiting for its answer at its deadline.

    One daemon thread per process (started on first use, again after a fork), a dict of
    deadlines under a lock: watching a statement costs a dict insert and delete.
    """

    def __init__(self, poll: float = 0.1):
        self.poll = poll
        self._lock = threading.Lock()
        self._watched: dict[int, tuple[float, weakref.ref[Any]]] = {}
        self._pid = 0

    def watch(self, key: int, dbapi_connection: Any, seconds: float) -> None:
        self._start()
        with self._lock:
            self._watched[key] = (time.monotonic() + seconds, weakref.ref(dbapi_connection))

    def release(self, key: int) -> None:
        with self._lock:
            self._watched.pop(key, None)

    @contextmanager
    def watching(self, dbapi_connection: Any, seconds: float) -> Iterator[None]:
        key = id(dbapi_connection)
        self.watch(key, dbapi_connection, seconds)
        try:
            yield
        finally:
            self.release(key)

    def _start(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                self._watched.clear()
                threading.Thread(target=self._run, name="database-watchdog", daemon=True).start()
                self._pid = os.getpid()

    def _run(self) -> None:
        while True:
            time.sleep(self.poll)
            now = time.monotonic()
            with self._lock:  # held while cutting: the connection cannot be closed meanwhile
                for key, (deadline, ref) in list(self._watched.items()):
                    if deadline <= now:
                        del self._watched[key]
                        cut(ref())


def cut(dbapi_connection: Any) -> None:
    """Shut the connection's socket: its blocked read returns at once, as on a reset."""
    if dbapi_connection is None or dbapi_connection.closed:
        return
    try:
        duplicate = socket.socket(fileno=os.dup(dbapi_connection.fileno()))
    except Exception:
        return
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        duplicate.close()


WATCHDOG = Watchdog()


def guard_engine(engine: Engine, statement_timeout: float) -> None:
    """Watch every statement and ping pooled connections with a limit (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        return
    limit = statement_timeout + WATCHDOG_MARGIN_SECONDS

    @event.listens_for(engine, "before_cursor_execute")
    def _watch(conn: Any, cursor: Any, statement: Any, parameters: Any, context: Any,
               executemany: bool) -> None:
        WATCHDOG.watch(id(cursor), conn.connection.dbapi_connection, limit)

    @event.listens_for(engine, "after_cursor_execute")
    def _release(conn: Any, cursor: Any, *args: Any) -> None:
        WATCHDOG.release(id(cursor))

    @event.listens_for(engine, "handle_error")
    def _release_on_error(context: Any) -> None:
        cursor = getattr(context, "cursor", None)  # absent when connecting failed
        if cursor is not None:
            WATCHDOG.release(id(cursor))

    @event.listens_for(engine, "connect")
    def _fresh(dbapi_connection: Any, record: Any) -> None:
        record.info["fresh"] = True

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if record.info.pop("fresh", False):
            return  # just connected: nothing to check
        try:
            with WATCHDOG.watching(dbapi_connection, PING_SECONDS):
                dbapi_connection.autocommit = True
                try:
                    dbapi_connection.execute("SELECT 1")
                finally:
                    dbapi_connection.autocommit = False
        except Exception as exc:  # the pool replaces the connection once, then gives up
            raise DisconnectionError(f"database connection did not answer: {exc}") from exc
