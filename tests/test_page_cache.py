"""The page cache as readers and editors meet it: anonymous pages are served again until
the catalogue changes, signed-in editors always get their own fresh pages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from catalogue.file_formats import read_catalogue
from catalogue.freshness import catalogue_stamp
from catalogue.operations import Actor, change_status, find_service
from catalogue.transfer import import_catalogue
from catalogue.usage import ServiceView
from portal.extensions import db
from portal.page_cache import PageCache
from tests.manage_support import TOKEN, form_data, sign_in
from tests.support import text_of, visit, write_json

EDITOR = Actor("test editor")


@pytest.fixture
def published(make_service):
    return make_service(status="published")


def test_an_anonymous_page_is_served_again_until_the_catalogue_changes(client, published, make_service):
    first = client.get("/services?q=dang+ky")
    again = client.get("/services?q=dang+ky")
    assert first.headers["X-Cache"] == "miss" and again.headers["X-Cache"] == "hit"
    assert again.data == first.data and 'href="/services/1.001193"' in text_of(again)
    assert again.headers["Content-Security-Policy"] and "Cookie" in again.headers["Vary"]

    make_service(status="published", code="1.000894", name="Đăng ký kết hôn", level=2, online_url=None)
    fresh = client.get("/services?q=dang+ky")
    assert fresh.headers["X-Cache"] == "miss" and 'href="/services/1.000894"' in text_of(fresh)
    assert "Đăng ký kết hôn" in text_of(client.get("/api/v1/services?q=ket+hon"))


def test_an_archived_service_disappears_at_once(client, published):
    assert client.get("/services/1.001193").status_code == 200
    assert client.get("/api/v1/services/1.001193").status_code == 200
    assert client.get("/services/1.001193").headers["X-Cache"] == "hit"
    change_status(db.session, find_service(db.session, "1.001193"), "archived", EDITOR)
    db.session.commit()
    assert client.get("/services/1.001193").status_code == 404
    assert client.get("/api/v1/services/1.001193").status_code == 404
    assert 'href="/services/1.001193"' not in text_of(client.get("/services?q=khai+sinh"))


def test_an_editors_save_reaches_the_next_reader_at_once(app, accounts, published):
    reader, editor = app.test_client(), app.test_client()
    assert "Hồ sơ nộp trực tuyến" not in text_of(reader.get("/services/1.001193"))
    assert reader.get("/services/1.001193").headers["X-Cache"] == "hit"

    sign_in(editor, "tuphap@daklak.gov.vn")
    edit = editor.get("/manage/services/1.001193/edit")
    token = TOKEN.search(edit.get_data(as_text=True)).group(1)
    record = dict(published_record(published), summary="Hồ sơ nộp trực tuyến qua Cổng dịch vụ công.")
    # "Lưu và xuất bản": the change goes live at once (a plain save would wait in an edition).
    data = form_data(record, token, published.version) | {"publish": "1"}
    saved = editor.post("/manage/services/1.001193/edit", data=data)
    assert saved.status_code in (302, 303), saved.get_data(as_text=True)[:500]

    page = reader.get("/services/1.001193")
    assert page.headers["X-Cache"] == "miss" and "Hồ sơ nộp trực tuyến qua Cổng" in text_of(page)


def published_record(service):
    from catalogue.operations import record_of

    return record_of(service)


def test_signed_in_pages_are_never_kept_nor_served_from_the_cache(app, accounts, published):
    reader, editor = app.test_client(), app.test_client()
    sign_in(editor, "tuphap@daklak.gov.vn")
    for _ in range(2):
        page = editor.get("/")
        assert "Đăng xuất" in text_of(page) and "X-Cache" not in page.headers
    for _ in range(2):
        page = reader.get("/")
        assert "Đăng xuất" not in text_of(page) and "tuphap@" not in text_of(page)
    assert reader.get("/").headers["X-Cache"] == "hit"
    assert "Đăng xuất" in text_of(editor.get("/"))


def test_a_page_that_sets_a_cookie_is_not_kept(client, published):
    # The sign-in page puts a CSRF token in a new session: it must never be shared.
    first = client.get("/login")
    assert "Set-Cookie" in first.headers
    other = client.application.test_client()
    assert "X-Cache" not in other.get("/login").headers
    token = TOKEN.search(first.get_data(as_text=True)).group(1)
    assert token not in other.get("/login").get_data(as_text=True)


def test_each_host_gets_pages_with_its_own_links(client, published):
    """A forged Host header cannot plant its links in the pages other readers get."""
    forged = client.get("/services/1.001193", headers={"Host": "evil.example"})
    assert 'href="http://evil.example/services/1.001193"' in text_of(forged)
    page = client.get("/services/1.001193")
    assert "evil.example" not in text_of(page)
    assert '<link rel="canonical" href="http://localhost/services/1.001193">' in text_of(page)


def test_a_head_request_is_served_without_counting_a_view(client, published):
    visit(client, "/services/1.001193", "visitor-000000000001")
    head = client.head("/services/1.001193")
    assert head.status_code == 200 and head.headers["X-Cache"] == "hit" and head.data == b""
    assert visit(client, "/services/1.001193", "visitor-000000000002").headers["X-Cache"] == "hit"
    assert db.session.get(ServiceView, published.id).views == 2  # the two GETs, hits included


def test_a_bad_query_is_answered_each_time_and_never_kept(client, published):
    for _ in range(2):
        page = client.get("/services?level=9")
        assert page.status_code == 400 and page.headers.get("X-Cache") == "miss"


@pytest.mark.config(PAGE_CACHE_SECONDS=60, MOST_VIEWED_MIN_VIEWS=1)
def test_most_viewed_services_show_once_the_home_page_expires(app, client, make_service):
    for code, name in (("1.001193", "Đăng ký khai sinh"), ("1.000894", "Đăng ký kết hôn"),
                       ("1.000656", "Đăng ký khai tử")):
        make_service(status="published", code=code, name=name)
    assert "Dịch vụ được xem nhiều nhất" not in text_of(client.get("/"))
    assert client.get("/").headers["X-Cache"] == "hit"
    for code in ("1.001193", "1.000894", "1.000656"):
        visit(client, f"/services/{code}")
    assert client.get("/").headers["X-Cache"] == "hit"  # views change no catalogue stamp
    cache: PageCache = app.extensions["page_cache"]
    for key, kept in list(cache._pages.items()):  # the minute passes: every page expires
        cache._pages[key] = replace(kept, expires=0.0)
    page = client.get("/")
    assert page.headers["X-Cache"] == "miss" and "Dịch vụ được xem nhiều nhất" in text_of(page)


def test_memory_stays_within_its_budget_least_recently_used_going_first(app, client, make_service):
    for i in range(6):
        make_service(status="published", code=f"2.00000{i}", name=f"Thủ tục số {i}")
    cache: PageCache = app.extensions["page_cache"]
    # A budget for five pages of this size (a page over a quarter of it is never kept).
    size = len(client.get("/services/2.000005").data)
    cache.max_bytes = budget = int(size * 5.5)
    for i in range(6):
        client.get(f"/services/2.00000{i}")
    assert 0 < cache._bytes <= budget
    assert client.get("/services/2.000005").headers["X-Cache"] == "hit"
    assert client.get("/services/2.000000").headers["X-Cache"] == "miss"


def test_an_agency_renamed_by_an_import_reaches_pages_and_search_at_once(client, published, tmp_path):
    assert "Phòng Hộ tịch" not in text_of(client.get("/services/1.001193"))
    assert client.get("/services/1.001193").headers["X-Cache"] == "hit"
    import_catalogue(db.session, read_catalogue(write_json(tmp_path, {
        "agencies": [{"code": "ubnd-tinh", "name": "Ủy ban nhân dân tỉnh Đắk Lắk", "parent": None},
                     {"code": "so-tu-phap", "name": "Sở Tư pháp (Phòng Hộ tịch)", "parent": "ubnd-tinh"}],
        "fields": [], "services": [],
    })), Actor("import"))
    db.session.commit()
    assert "Sở Tư pháp (Phòng Hộ tịch)" in text_of(client.get("/services/1.001193"))
    results = text_of(client.get("/services?q=phong+ho+tich+so+tu+phap")).split('class="results"', 1)[1]
    assert results.index('href="/services/1.001193"') == results.index('href="/services/')


def test_a_late_commit_of_an_earlier_change_changes_the_stamp(app, make_service):
    """PostgreSQL: change-log id N commits after N+1; the pages read in between must go."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: ids cannot commit out of order")
    from sqlalchemy.orm import Session

    make_service(status="draft", partial_reason="presence")  # publishable today
    make_service(status="draft", code="1.000894", name="Đăng ký kết hôn", partial_reason="presence")
    slow, fast = Session(db.engine), Session(db.engine)
    try:
        change_status(slow, find_service(slow, "1.001193"), "published", Actor("slow"))
        slow.flush()
        change_status(fast, find_service(fast, "1.000894"), "published", Actor("fast"))
        fast.commit()
        between = catalogue_stamp(db.engine)
        slow.commit()
        after = catalogue_stamp(db.engine)
        assert after != between and after[0] == between[0]
    finally:
        slow.close()
        fast.close()


def test_a_page_first_asked_by_head_is_kept_whole(client, published):
    """A link checker's HEAD may be the first request: readers after it get the full page."""
    assert client.head("/services/1.001193").headers["X-Cache"] == "miss"
    page = client.get("/services/1.001193")
    assert page.headers["X-Cache"] == "hit"
    assert '<h1 id="service-title">Đăng ký khai sinh</h1>' in text_of(page)
