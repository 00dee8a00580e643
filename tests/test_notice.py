"""Planned downtime: an admin sets a notice with dates; every page shows it from the day
set, and API answers carry it in a header without changing the JSON."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

from catalogue.clock import today_vn
from tests.manage_support import csrf_of, sign_in

MESSAGE = "Cổng dịch vụ công tạm dừng để nâng cấp."


def _set_notice(client, shows_from, starts_on, ends_on):
    token = csrf_of(client, "/manage/notices")
    return client.post("/manage/notices", data={
        "csrf_token": token, "message": MESSAGE, "shows_from": shows_from.isoformat(),
        "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()})


def test_a_notice_shows_on_every_page_and_in_api_headers_from_its_date(client, accounts, make_service):
    make_service(status="published")
    today = today_vn()
    sign_in(client, "admin@daklak.gov.vn")
    saved = _set_notice(client, today, today + timedelta(days=10), today + timedelta(days=11))
    assert saved.status_code == 303
    reader = client.application.test_client()
    for url in ("/", "/services", "/services/1.001193", "/statistics", "/agencies", "/login"):
        page = reader.get(url).get_data(as_text=True)
        assert MESSAGE in page, url
    answer = reader.get("/api/v1/services")
    header = answer.headers["X-Service-Notice"]
    assert header.isascii() and unquote(header.split("message*=UTF-8''", 1)[1]) == MESSAGE
    assert set(answer.get_json()) == {"total", "page", "per_page", "items", "facets", "links"}


def test_a_notice_set_for_a_later_day_is_not_shown_yet_and_bad_dates_are_refused(client, accounts):
    today = today_vn()
    sign_in(client, "admin@daklak.gov.vn")
    _set_notice(client, today + timedelta(days=2), today + timedelta(days=10), today + timedelta(days=11))
    reader = client.application.test_client()
    assert MESSAGE not in reader.get("/").get_data(as_text=True)
    assert "X-Service-Notice" not in reader.get("/api/v1/services").headers
    refused = _set_notice(client, today, today + timedelta(days=5), today + timedelta(days=1))
    assert refused.status_code == 422 and "Ngày hiển thị phải trước" in refused.get_data(as_text=True)
