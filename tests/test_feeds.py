"""/feeds/services.atom: new, changed and withdrawn services, newest first, read by a real
feed parser (feedparser) as a feed reader would."""

from __future__ import annotations

import feedparser
import pytest

from catalogue.operations import Actor, change_status, content_of, find_service, update_service
from portal.extensions import db
from tests.support import text_of


@pytest.fixture
def events(make_service):
    """In this order: A published; B published then renamed and its time limit changed; C
    published then withdrawn; D only drafted; E (another agency and field) published."""
    make_service(status="published", code="A.1", name="Đăng ký khai sinh")
    b = make_service(status="published", code="B.2", name="Đăng ký kết hôn")
    update_service(db.session, b, {**content_of(b), "name": "Đăng ký kết hôn có yếu tố nước ngoài",
                                   "processing_days": 5, "steps": ["Nộp hồ sơ", "Nhận kết quả"]},
                   Actor("editor"), expected_version=b.version)
    db.session.commit()
    c = make_service(status="published", code="C.3", name="Cấp bản sao trích lục hộ tịch")
    change_status(db.session, c, "archived", Actor("editor"))
    db.session.commit()
    make_service(code="D.4", name="Thủ tục còn là bản nháp")
    make_service(status="published", code="E.5", name="Đăng ký doanh nghiệp tư nhân", level=4,
                 agency="so-ke-hoach-va-dau-tu", field="thanh-lap-doanh-nghiep", tier="province",
                 audience="business", online_url="https://dangkykinhdoanh.gov.vn/nop")


def _parse(client, url="/feeds/services.atom"):
    response = client.get(url)
    assert response.status_code == 200, text_of(response)[:300]
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed, response


def test_feed_tells_what_happened_newest_first(client, events):
    feed, response = _parse(client)
    titles = [e.title for e in feed.entries]
    assert titles == [
        "Mới công bố: Đăng ký doanh nghiệp tư nhân",
        "Ngừng cung cấp: Cấp bản sao trích lục hộ tịch",
        "Mới công bố: Cấp bản sao trích lục hộ tịch",
        "Thay đổi: Đăng ký kết hôn có yếu tố nước ngoài",
        "Mới công bố: Đăng ký kết hôn",
        "Mới công bố: Đăng ký khai sinh",
    ]
    changed = feed.entries[3]
    assert changed.link == "http://localhost/services/B.2"
    assert "Tên thủ tục: “Đăng ký kết hôn” → “Đăng ký kết hôn có yếu tố nước ngoài”" in changed.summary
    assert "Thời hạn giải quyết: 1 → 5" in changed.summary
    assert "Trình tự thực hiện: đã thay đổi" in changed.summary
    assert changed.author == "Sở Tư pháp"
    assert len({e.id for e in feed.entries}) == len(feed.entries)
    assert all(e.updated_parsed for e in feed.entries)
    assert feed.feed.updated_parsed == feed.entries[0].updated_parsed
    assert "CC BY 4.0" in feed.feed.rights
    assert response.headers["Access-Control-Allow-Origin"] == "*" and response.headers["ETag"]


def test_feed_filters_by_agency_and_field(client, events):
    feed, _ = _parse(client, "/feeds/services.atom?agency=so-ke-hoach-va-dau-tu")
    assert [e.title for e in feed.entries] == ["Mới công bố: Đăng ký doanh nghiệp tư nhân"]
    assert "Sở Kế hoạch và Đầu tư" in feed.feed.title
    assert feed.feed.links[0].href == "http://localhost/feeds/services.atom?agency=so-ke-hoach-va-dau-tu"
    feed, _ = _parse(client, "/feeds/services.atom?field=ho-tich")
    assert len(feed.entries) == 5 and all("Đăng ký doanh nghiệp" not in e.title for e in feed.entries)
    assert client.get("/feeds/services.atom?agency=khong-co").status_code == 400


def test_an_editors_change_reaches_the_feed_at_once(client, events):
    first, response = _parse(client)
    etag = response.headers["ETag"]
    assert client.get("/feeds/services.atom", headers={"If-None-Match": etag}).status_code == 304
    a = find_service(db.session, "A.1")
    update_service(db.session, a, {**content_of(a), "fees": "50.000 đồng"}, Actor("editor"),
                   expected_version=a.version)
    db.session.commit()
    feed, _ = _parse(client)
    assert feed.entries[0].title == "Thay đổi: Đăng ký khai sinh"
    assert "Phí, lệ phí: “Miễn lệ phí” → “50.000 đồng”" in feed.entries[0].summary


def test_an_empty_catalogue_is_a_valid_empty_feed(client):
    feed, _ = _parse(client)
    assert feed.entries == []


def test_pages_point_feed_readers_to_the_feed(client, events):
    html = text_of(client.get("/"))
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert 'href="/feeds/services.atom"' in html
