"""/healthz, the one-line request log, and the page a citizen gets when the database is down."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from portal import create_app
from portal.extensions import db


def closed_port() -> int:
    """A local port nobody listens on: the database server is 'down'."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unreachable_urls(tmp_path: Path) -> dict[str, str]:
    return {
        "postgresql": f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/test?connect_timeout=2",
        "sqlite": f"sqlite:///{tmp_path}/no-such-dir/nested/portal.db",
    }


@pytest.fixture(params=["postgresql", "sqlite"])
def down_app(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The app pointed at a database that cannot be reached."""
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "instance"))
    url = unreachable_urls(tmp_path)[request.param]
    if request.param == "sqlite":
        # The directory exists but is a file: SQLite cannot create or open the database.
        (tmp_path / "no-such-dir").write_text("not a directory")
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": url,
                      "SEARCH_INDEX_DIR": str(tmp_path / "index")})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_healthz_ok_when_database_answers(client, runner, make_service):
    make_service(status="published")
    assert runner.invoke(args=["reindex"]).exit_code == 0
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_503_when_database_unreachable(down_app: Flask):
    response = down_app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["database"].startswith("error")


def test_pages_say_clearly_the_database_is_down(down_app: Flask):
    client = down_app.test_client()
    page = client.get("/")
    assert page.status_code == 503
    html = page.get_data(as_text=True)
    assert "Không kết nối được cơ sở dữ liệu" in html
    assert "Traceback" not in html and "OperationalError" not in html
    assert page.headers["Retry-After"].isdigit()


def _get_routes_without_arguments(app: Flask) -> list[str]:
    return sorted(
        rule.rule for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"
    )


def test_no_route_answers_500_when_the_database_is_down(down_app: Flask):
    """Every page and API route: a clear 503 (or a redirect/404 that needs no data), never 500."""
    client = down_app.test_client()
    answered_503 = []
    for path in _get_routes_without_arguments(down_app):
        response = client.get(path)
        assert response.status_code != 500, path
        if response.status_code == 503:
            answered_503.append(path)
            if path.startswith("/api/"):
                error = response.get_json()["error"]
                assert error["code"] == "database_unavailable"
                assert "cơ sở dữ liệu" in error["message"]
            elif path != "/healthz":
                assert "Không kết nối được cơ sở dữ liệu" in response.get_data(as_text=True)
    assert "/" in answered_503 and "/healthz" in answered_503


def test_api_answers_json_503_when_database_down(down_app: Flask):
    response = down_app.test_client().get("/api/v1/services/1.001193")
    assert response.status_code == 503
    assert response.is_json
    assert response.get_json()["error"]["code"] == "database_unavailable"


def _healthz_with_index_at(app_config: dict[str, Any], index_dir: Path) -> tuple[int, dict[str, Any]]:
    app = create_app({**app_config, "SEARCH_INDEX_DIR": str(index_dir)})
    with app.app_context():
        response = app.test_client().get("/healthz")
        db.session.remove()
        db.engine.dispose()
    return response.status_code, response.get_json()


def test_healthz_says_missing_and_builds_nothing_when_there_is_no_index(
        app_config: dict[str, Any], tmp_path: Path):
    index_dir = tmp_path / "index"
    status, body = _healthz_with_index_at(app_config, index_dir)
    assert (status, body) == (503, {"status": "error", "database": "ok", "search_index": "missing"})
    # A load balancer's probe never starts a build: nothing was written.
    assert not index_dir.exists() and not (tmp_path / "index.generations").exists()


def test_healthz_reports_a_damaged_index_and_leaves_the_repair_to_search(
        app_config: dict[str, Any], tmp_path: Path, make_service):
    """Garbage in the index files: /healthz says so (503) without touching them; the next
    search rebuilds the index, and /healthz then answers ok."""
    make_service(status="published")
    index_dir = tmp_path / "index"
    app = create_app({**app_config, "SEARCH_INDEX_DIR": str(index_dir)})
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["reindex"]).exit_code == 0
        generation = Path(os.path.realpath(index_dir))
        for path in generation.rglob("*"):
            if path.is_file():
                path.write_bytes(b"\x00garbage\xff" * 10)
        damaged = app.test_client().get("/healthz")
        assert Path(os.path.realpath(index_dir)) == generation  # not rebuilt by the probe
        found = app.test_client().get("/api/v1/services?q=khai+sinh").get_json()
        repaired = app.test_client().get("/healthz")
        db.session.remove()
        db.engine.dispose()
    assert damaged.status_code == 503
    assert damaged.get_json()["search_index"].startswith("error: "), damaged.get_json()
    assert [item["code"] for item in found["items"]] == ["1.001193"]
    assert repaired.status_code == 200 and repaired.get_json()["search_index"] == "ok"


LINE = re.compile(r"^\S+Z pid=\d+ (GET|POST) (\S+) (\d{3}) (\d+\.\d)ms (\d+|-)B?$")


def test_one_log_line_per_request_with_duration(client, capsys):
    capsys.readouterr()
    client.get("/?q=khai+sinh")
    client.get("/no-such-page")
    client.post("/healthz")
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "pid=" in ln]
    assert len(lines) == 3
    first, second, third = (LINE.match(ln) for ln in lines)
    assert first and second and third, lines
    assert first.group(2) == "/?q=khai+sinh" and first.group(3) == "200"
    assert second.group(2) == "/no-such-page" and second.group(3) == "404"
    # Refused before any view runs, and still one line.
    assert third.group(1) == "POST" and third.group(3) == "405"


def test_log_line_cannot_be_forged_from_the_url(client, capsys):
    capsys.readouterr()
    client.get("/?q=x%0A2026-01-01T00:00:00Z%20pid=1%20GET%20/admin%20200")
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "pid=" in ln]
    assert len(lines) == 1
    assert "%0A" in lines[0]


def test_sqlite_serves_several_workers_in_wal_mode(app):
    """Readers go on while another worker writes (write-ahead log), writers wait their turn."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    from sqlalchemy import text

    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
