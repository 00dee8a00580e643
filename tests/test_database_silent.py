"""A silent network to PostgreSQL (issue 12, point 2): a proxy that accepts connections and
forwards nothing stands between the portal and the database. Pages, the API and /healthz
must answer the Vietnamese 503 within seconds, not hang until gunicorn kills the worker;
when the path comes back, so does the portal.

Runs against the PostgreSQL of TEST_DATABASE_URL, else 127.0.0.1:5432; skipped when none
answers.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from portal import create_app
from portal.extensions import db
from tests.conftest import SECRET, _postgres_schema_url

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# What "within a few seconds" means here: the answer comes after about 3 s (connect
# timeout) or 2 s + 3 s (ping of a pooled connection, then one new connection); the
# margin is for a loaded test machine. Without the limits a request hangs for minutes.
ANSWER_WITHIN = 9.0


class FrozenProxy:
    """A TCP proxy to PostgreSQL on 127.0.0.1 that can freeze: then it keeps every
    connection open, accepts new ones, and reads and forwards nothing, like a network
    path that went silent (the kernel still acknowledges what the portal sends)."""

    def __init__(self, host: str, port: int, frozen: bool = False):
        self.target = (host, port)
        self.frozen = frozen
        self.stopped = False
        self.sockets: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            if self.frozen:
                continue  # held open, never answered
            upstream = socket.create_connection(self.target)
            self.sockets.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while not self.stopped:
            if self.frozen:
                time.sleep(0.02)
                continue
            try:
                ready, _, _ = select.select([source], [], [], 0.02)
                if not ready or self.frozen:
                    continue
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
            except OSError:
                break
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        self.stopped = True
        for s in [self.listener, *self.sockets]:
            try:
                s.close()
            except OSError:
                pass


@pytest.fixture(scope="module")
def postgres_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated schema of its own on a PostgreSQL that answers, or the test is skipped."""
    base = os.environ.get("TEST_DATABASE_URL", "").strip() or DEFAULT_POSTGRES
    if make_url(base).get_backend_name() != "postgresql":
        base = DEFAULT_POSTGRES
    probe = create_engine(base, connect_args={"connect_timeout": 2})
    try:
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.skip(f"no PostgreSQL answers at {make_url(base).render_as_string()}: {exc}")
    finally:
        probe.dispose()
    url, schema = _postgres_schema_url(base)
    from flask_migrate import upgrade

    setup = create_app({"TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url,
                        "SEARCH_INDEX_DIR": str(tmp_path_factory.mktemp("pg-setup") / "index")})
    with setup.app_context():
        upgrade(directory=setup.extensions["migrate"].directory)
        db.engine.dispose()
    yield url
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def _through(url: str, proxy: FrozenProxy) -> str:
    parsed: URL = make_url(url).set(host="127.0.0.1", port=proxy.port)
    return parsed.render_as_string(hide_password=False)


def _portal(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "instance"))
    return create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url,
                       "SEARCH_INDEX_DIR": str(tmp_path / "index"), "PAGE_CACHE_SECONDS": 0})


def timed_get(app: Flask, path: str) -> tuple[Any, float]:
    """GET in a thread of its own, so that a hang fails the test instead of stalling it."""
    answer: list[Any] = []
    start = time.monotonic()
    worker = threading.Thread(target=lambda: answer.append(app.test_client().get(path)), daemon=True)
    worker.start()
    worker.join(ANSWER_WITHIN + 20)
    elapsed = time.monotonic() - start
    assert answer, f"{path} still had no answer after {elapsed:.0f} s"
    return answer[0], elapsed


def assert_quick_503(app: Flask, path: str) -> float:
    response, elapsed = timed_get(app, path)
    assert response.status_code == 503, (path, response.status_code)
    assert elapsed < ANSWER_WITHIN, f"{path}: 503 after {elapsed:.1f} s"
    if path == "/healthz":
        assert response.get_json()["database"].startswith("error")
    elif path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "database_unavailable"
        assert response.headers["Retry-After"]
    else:
        assert "Không kết nối được cơ sở dữ liệu" in response.get_data(as_text=True)
        assert response.headers["Retry-After"]
    print(f"{path}: 503 in {elapsed:.2f} s")
    return elapsed


PATHS = ["/services", "/api/v1/services", "/healthz"]


def test_a_path_that_never_answers_gives_the_503_within_seconds(postgres_schema, tmp_path, monkeypatch):
    target = make_url(postgres_schema)
    proxy = FrozenProxy(target.host or "127.0.0.1", target.port or 5432, frozen=True)
    try:
        app = _portal(_through(postgres_schema, proxy), tmp_path, monkeypatch)
        for path in PATHS:
            assert_quick_503(app, path)
    finally:
        proxy.close()


def test_pooled_connections_going_silent_give_the_503_then_the_portal_recovers(
        postgres_schema, tmp_path, monkeypatch):
    target = make_url(postgres_schema)
    proxy = FrozenProxy(target.host or "127.0.0.1", target.port or 5432)
    try:
        app = _portal(_through(postgres_schema, proxy), tmp_path, monkeypatch)
        assert timed_get(app, "/api/v1/services")[0].status_code == 200  # a pooled connection
        proxy.frozen = True
        for path in PATHS:
            assert_quick_503(app, path)
        proxy.frozen = False
        assert timed_get(app, "/api/v1/services")[0].status_code == 200
    finally:
        proxy.close()
        with app.app_context():
            db.engine.dispose()
