"""Views that mean something: scripts and crawlers do not count, a reload counts once a
day, and "most viewed" needs a minimum of views."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalogue.usage import ServiceView
from portal.extensions import db
from tests.support import text_of, visit

CODE = "1.001193"


def _views(service_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(ServiceView.views).where(ServiceView.service_id == service_id)) or 0


def test_a_hundred_curl_requests_without_cookies_move_no_view_count(app, make_service):
    service = make_service(status="published")
    for _ in range(100):
        curl = app.test_client(use_cookies=False)
        assert curl.get(f"/services/{CODE}", headers={"User-Agent": "curl/8.5.0"}).status_code == 200
    # Not even a browser's user agent counts without the cookie the portal gave it.
    for _ in range(100):
        app.test_client(use_cookies=False).get(f"/services/{CODE}", headers={"User-Agent": "Mozilla/5.0"})
    assert _views(service.id) == 0


def test_crawlers_do_not_count_even_with_a_cookie(client, make_service):
    service = make_service(status="published")
    for agent in ("Googlebot/2.1 (+http://www.google.com/bot.html)", "python-requests/2.32",
                  "Mozilla/5.0 (compatible; bingbot/2.0)", ""):
        client.set_cookie("pv", "visitor-000000000009")
        client.get(f"/services/{CODE}", headers={"User-Agent": agent})
    assert _views(service.id) == 0


def test_a_browser_gets_the_cookie_and_reloading_counts_once_a_day(client, make_service):
    service = make_service(status="published")
    first = client.get(f"/services/{CODE}", headers={"User-Agent": "Mozilla/5.0 Firefox/128.0"})
    assert "pv=" in first.headers.get("Set-Cookie", "") and "HttpOnly" in first.headers["Set-Cookie"]
    for _ in range(20):
        client.get(f"/services/{CODE}", headers={"User-Agent": "Mozilla/5.0 Firefox/128.0"})
    assert _views(service.id) == 1


@pytest.mark.config(MOST_VIEWED_MIN_VIEWS=3)
def test_most_viewed_needs_a_minimum_of_views(client, make_service):
    for code, name in (("1.001193", "Đăng ký khai sinh"), ("1.000894", "Đăng ký kết hôn"),
                       ("1.000656", "Đăng ký khai tử")):
        make_service(status="published", code=code, name=name)
    for code in ("1.001193", "1.000894", "1.000656"):
        for i in range(2):
            visit(client, f"/services/{code}", f"visitor-{i:012d}")
    assert "Dịch vụ được xem nhiều nhất" not in text_of(client.get("/"))
    for code in ("1.001193", "1.000894", "1.000656"):
        visit(client, f"/services/{code}", "visitor-000000000099")
    assert "Dịch vụ được xem nhiều nhất" in text_of(client.application.test_client().get("/?x=1"))
