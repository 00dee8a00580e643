"""Fixtures: a real database (SQLite file, or a fresh PostgreSQL schema per run) migrated
once per session and emptied after each test; a real Whoosh directory per test.

Set ``TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test`` to run the
suite on PostgreSQL; each run creates its own schema and drops it at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from catalogue.models import Agency, Field, Service
from catalogue.operations import Actor, create_service
from catalogue.validation import validate_service
from portal import create_app
from portal.extensions import db
from tests.support import DESKTOP, PHONE, empty_database, service_data

SECRET = "test-secret-" + uuid.uuid4().hex

# Accounts and sign-in helpers of the editing pages (issue 5).
pytest_plugins = ["tests.manage_support"]


def _postgres_schema_url(url: str) -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}", schema


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    if base and make_url(base).get_backend_name() == "postgresql":
        url, schema = _postgres_schema_url(base)
        yield url
        engine = create_engine(base)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.db'}"


@pytest.fixture(scope="session")
def migrated(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Build the schema through the migrations, as ``init-db`` does."""
    from flask_migrate import upgrade

    app = create_app(_config(database_url, tmp_path_factory.mktemp("setup")))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.engine.dispose()
    return database_url


def _config(database_url: str, tmp: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SEARCH_INDEX_DIR": str(tmp / "search-index"),
        "UPLOAD_DIR": str(tmp / "uploads"),
        # Views written at once, so a test reads them right after the page it opened.
        "VIEW_FLUSH_SECONDS": 0,
    }


@pytest.fixture
def app_config(migrated: str, tmp_path: Any, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The config the ``app`` fixture uses; ``@pytest.mark.config(NAME=value)`` changes it
    for one test, and tests may change it before asking for ``app``."""
    os.environ["PORTAL_INSTANCE"] = str(tmp_path / "instance")
    config = _config(migrated, tmp_path)
    for marker in request.node.iter_markers("config"):
        config.update(marker.kwargs)
    return config


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)
    with app.app_context():
        yield app
        db.session.remove()
        empty_database()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def catalogue_refs(app: Flask) -> dict[str, Any]:
    """A small agency tree and a few fields, named as in Đắk Lắk."""
    province = Agency(code="ubnd-tinh", name="Ủy ban nhân dân tỉnh Đắk Lắk")
    justice = Agency(code="so-tu-phap", name="Sở Tư pháp", parent=province)
    planning = Agency(code="so-ke-hoach-va-dau-tu", name="Sở Kế hoạch và Đầu tư", parent=province)
    districts = Agency(code="cap-huyen", name="Các huyện, thị xã, thành phố")
    bmt = Agency(code="ubnd-tp-buon-ma-thuot", name="UBND thành phố Buôn Ma Thuột",
                 parent=districts)
    fields = [
        Field(code="ho-tich", name="Hộ tịch"),
        Field(code="thanh-lap-doanh-nghiep", name="Thành lập và hoạt động doanh nghiệp"),
        Field(code="dat-dai", name="Đất đai"),
    ]
    db.session.add_all([province, justice, planning, districts, bmt, *fields])
    db.session.commit()
    return {"agencies": [province, justice, planning, districts, bmt], "fields": fields}


@pytest.fixture
def make_service(catalogue_refs: dict[str, Any]) -> Callable[..., Service]:
    """Create (and optionally publish) a service through the domain, committed."""
    from catalogue.operations import change_status

    def make(status: str = "draft", **overrides: Any) -> Service:
        codes = {a.code for a in catalogue_refs["agencies"]}
        fields = {f.code for f in catalogue_refs["fields"]}
        data = service_data(**overrides)
        if status != "draft" and data["level"] == 3 and "online_kind" not in data:
            # Published today, a partial service states why (Decree 224/2026, from 1/7/2026).
            data.setdefault("partial_reason", "presence")
        clean = validate_service(data, agency_codes=codes, field_codes=fields)
        service = create_service(db.session, clean, Actor("test"))
        if status != "draft":
            change_status(db.session, service, "published", Actor("test"))
        if status == "archived":
            change_status(db.session, service, "archived", Actor("test"))
        db.session.commit()
        return service

    return make


# ---------------------------------------------------------------- real browser

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on 127.0.0.1, on a free port, for the browser."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (it cannot download its own here)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield browser
        browser.close()




@pytest.fixture(params=["phone", "desktop"])
def page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """A fresh browser page at phone and at desktop width (each test runs twice)."""
    viewport = PHONE if request.param == "phone" else DESKTOP
    context = browser.new_context(viewport=viewport, locale="vi-VN", accept_downloads=True,
                                  is_mobile=request.param == "phone")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.device = request.param
    yield page
    context.close()


