"""HTTP of the open data API as a client program meets it: paging links, validators and
304, caching, cross-origin reads, and days without figures refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from catalogue.clock import today_vn
from catalogue.operations import Actor, content_of, update_service
from portal.extensions import db


@pytest.fixture
def seven(make_service):
    return [make_service(status="published", code=f"5.{i}", name=f"Thủ tục {i}") for i in range(7)]


def test_pages_carry_links_in_the_body_and_the_link_header(client, seven):
    first = client.get("/api/v1/services?per_page=3&level=3")
    links = first.get_json()["links"]
    assert links == {
        "self": "http://localhost/api/v1/services?level=3&per_page=3",
        "next": "http://localhost/api/v1/services?level=3&page=2&per_page=3",
        "prev": None,
    }
    header = first.headers["Link"]
    assert '<http://localhost/api/v1/services?level=3&page=2&per_page=3>; rel="next"' in header
    assert '<http://localhost/api/v1/services?level=3&page=3&per_page=3>; rel="last"' in header
    assert 'rel="prev"' not in header

    # Following "next" to the end visits every service once, and the last page has no next.
    seen, url = [], links["self"]
    while url:
        body = client.get(url.replace("http://localhost", "")).get_json()
        seen += [i["code"] for i in body["items"]]
        url = body["links"]["next"]
    assert sorted(seen) == [f"5.{i}" for i in range(7)]
    assert body["page"] == 3 and body["links"]["prev"].endswith("page=2&per_page=3")


def test_a_page_past_the_end_is_a_json_404(client, seven):
    response = client.get("/api/v1/services?per_page=3&page=4")
    assert response.status_code == 404 and response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "page_not_found" and "3 trang" in error["message"]
    # An empty result still has its page 1.
    empty = client.get("/api/v1/services?level=1")
    assert empty.status_code == 200 and empty.get_json()["links"]["next"] is None


def test_etag_gives_304_until_an_editor_changes_something(client, seven):
    first = client.get("/api/v1/services/5.1")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert int(first.headers["Cache-Control"].split("=")[1]) <= 300

    again = client.get("/api/v1/services/5.1", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Access-Control-Allow-Origin"] == "*"

    # Another URL has another validator.
    other = client.get("/api/v1/services/5.2")
    assert other.headers["ETag"] != etag

    # The editor renames the service: the same validator now gets the new record.
    service = seven[1]
    update_service(db.session, service, {**content_of(service), "name": "Tên mới"}, Actor("editor"),
                   expected_version=service.version)
    db.session.commit()
    changed = client.get("/api/v1/services/5.1", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["name"] == "Tên mới"
    assert changed.headers["ETag"] != etag


@pytest.mark.parametrize("url", ["/api/v1/services", "/api/v1/services/5.0", "/api/v1/statistics",
                                 "/api/v1/suggest?q=th"])
def test_every_api_answer_is_cacheable_and_readable_from_other_origins(client, seven, url):
    response = client.get(url, headers={"Origin": "https://other.example"})
    assert response.status_code == 200, url
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers and "public" in response.headers["Cache-Control"]
    assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_errors_are_readable_cross_origin_but_not_cached(client, seven):
    response = client.get("/api/v1/services/khong-co")
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers


def test_preflight_allows_revalidation_from_another_origin(client, seven):
    response = client.options("/api/v1/services", headers={
        "Origin": "https://other.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]


def test_pages_for_people_get_no_cors_header(client, seven):
    assert "Access-Control-Allow-Origin" not in client.get("/services").headers


def test_statistics_page_refuses_a_day_in_the_future_in_vietnamese(client, seven):
    tomorrow = today_vn() + timedelta(days=1)
    response = client.get(f"/statistics?as_of={tomorrow.isoformat()}")
    assert response.status_code == 400
    assert "ở tương lai" in response.get_data(as_text=True)
    assert client.get(f"/statistics?as_of={today_vn().isoformat()}").status_code == 200
    download = client.get(f"/statistics/download/theo-cap.csv?as_of={tomorrow.isoformat()}")
    assert download.status_code == 400


def test_statistics_downloads_are_open_data_with_validators(client, seven):
    url = f"/statistics/download/theo-cap.csv?as_of={today_vn().isoformat()}"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_statistics_page_refuses_a_day_before_the_first_service(client, seven):
    response = client.get("/statistics?as_of=2000-01-01")
    assert response.status_code == 400
    assert "trước ngày dịch vụ đầu tiên được công bố" in response.get_data(as_text=True)
