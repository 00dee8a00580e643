"""A signed-in editor during a database outage gets the Vietnamese 503 on every kind of page."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from portal import create_app
from portal.extensions import db
from tests.conftest import SECRET
from tests.manage_support import sign_in


@pytest.fixture
def signed_in_cookie(client, accounts) -> str:
    sign_in(client, "tuphap@daklak.gov.vn")
    assert client.get("/manage/services").status_code == 200
    return client.get_cookie("session").value


@pytest.fixture(params=[True, False], ids=["testing", "production"])
def down_app(request, tmp_path: Path, monkeypatch) -> Flask:
    """The same site (same SECRET_KEY), its SQLite file now unopenable."""
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "down-instance"))
    (tmp_path / "gone").write_text("not a directory")
    down = create_app({"TESTING": request.param, "SECRET_KEY": SECRET,
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/gone/portal.db",
                       "SEARCH_INDEX_DIR": str(tmp_path / "index")})
    yield down
    with down.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("path", ["/khong-co-trang-nay", "/manage/khong-co", "/services/x/y/z",
                                  "/manage/services"])
def test_signed_in_user_gets_the_vietnamese_503_not_werkzeugs_500(down_app, signed_in_cookie, path):
    client = down_app.test_client()
    client.set_cookie("session", signed_in_cookie)
    answer = client.get(path)
    assert answer.status_code == 503, answer.get_data(as_text=True)[:300]
    body = answer.get_data(as_text=True)
    assert "Internal Server Error" not in body
    assert "Không kết nối được cơ sở dữ liệu" in body
    assert answer.headers["Retry-After"]


def test_a_post_to_an_unknown_url_during_the_outage_is_503_too(down_app, signed_in_cookie):
    client = down_app.test_client()
    client.set_cookie("session", signed_in_cookie)
    answer = client.post("/khong-co-trang-nay", data={"a": "b"})
    assert answer.status_code == 503


def test_an_unknown_api_url_needs_no_database(down_app, signed_in_cookie):
    client = down_app.test_client()
    client.set_cookie("session", signed_in_cookie)
    answer = client.get("/api/v1/khong-co")
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"
