"""The commune pages and the "Bạn ở xã/phường nào?" choice on a service page (no JavaScript)."""

from __future__ import annotations

from datetime import datetime

import pytest

from catalogue.clock import frozen_at
from catalogue.demo_points import create_demo_points
from catalogue.places import load_places, read_place_data
from catalogue.vocabulary import VIETNAM_TZ
from portal.extensions import db
from tests.support import text_of

TUESDAY_9AM = datetime(2026, 2, 10, 9, 0, tzinfo=VIETNAM_TZ)
TET_9AM = datetime(2026, 2, 17, 9, 0, tzinfo=VIETNAM_TZ)


@pytest.fixture
def places(app):
    load_places(db.session, read_place_data())
    create_demo_points(db.session)
    db.session.commit()


@pytest.fixture
def services(make_service, places):
    make_service(status="published")  # 1.001193 Đăng ký khai sinh, commune tier
    make_service(status="published", code="2.001610", name="Đăng ký thành lập doanh nghiệp tư nhân",
                 level=2, online_url=None, agency="so-ke-hoach-va-dau-tu", field="thanh-lap-doanh-nghiep",
                 tier="province", audience="business")


def test_the_list_is_grouped_in_vietnamese_order_with_the_attribution(client, places):
    page = text_of(client.get("/communes"))
    assert "Phường <span class=\"count\">14</span>" in page and "Xã <span class=\"count\">88</span>" in page
    wards = page.index("Phường Bình Kiến"), page.index("Phường Buôn Hồ"), page.index("Phường Đông Hòa"), \
        page.index("Phường Ea Kao")
    assert list(wards) == sorted(wards)  # Đ among the d's, before E
    assert "Administrative data provided by VietMap" in page
    licence = client.get("/licences/vietmap")
    assert licence.status_code == 200 and b"VietMap" in licence.data


def test_searching_the_list_by_an_old_name(client, places):
    page = text_of(client.get("/communes?q=xa+hoa+thuan"))
    assert "1 xã, phường ứng với" in page and 'href="/communes/tan-an"' in page
    nothing = text_of(client.get("/communes?q=khong+co+dau"))
    assert "Không tìm thấy xã, phường nào" in nothing


def test_a_commune_page_says_where_when_and_what(client, services):
    with frozen_at(TUESDAY_9AM):
        page = text_of(client.get("/communes/tan-an"))
    assert "<h1>Phường Tân An</h1>" in page
    assert "Xã Hòa Thuận (Thành Phố Buôn Ma Thuột, Tỉnh Đắk Lắk)" in page
    assert "Trung tâm Phục vụ hành chính công Phường Tân An" in page
    assert "Đang mở cửa" in page and "Đóng cửa lúc 11:00" in page
    assert "0000.000." in page and "Dữ liệu minh họa" in page
    assert "openstreetmap.org/search?query=Ph%C6%B0%E1%BB%9Dng+T%C3%A2n+An" in page
    assert "Đăng ký khai sinh" in page and "Đăng ký thành lập doanh nghiệp" not in page
    # Nearest province-level point: the one in the same former province comes first.
    assert page.index("Trung tâm Phục vụ hành chính công tỉnh Đắk Lắk<") < page.index("Chi nhánh Tuy Hòa")
    with frozen_at(TET_9AM):
        page = text_of(client.get("/communes/tan-an"))
    assert "Đã đóng cửa" in page and "Hôm nay nghỉ lễ (Tết Nguyên Đán)" in page
    assert client.get("/communes/khong-co").status_code == 404


def test_the_service_page_answers_where_to_go_for_an_old_name(client, services):
    with frozen_at(TUESDAY_9AM):
        page = text_of(client.get("/services/1.001193?commune=Hòa+Thuận"))
    assert "Bạn ở xã/phường nào?" in page
    assert "Trung tâm Phục vụ hành chính công Phường Tân An" in page and "Đang mở cửa" in page
    choices = text_of(client.get("/services/1.001193?commune=huyen+krong+pac"))
    assert "xã, phường ứng với" in choices and "commune=krong-pac" in choices
    unknown = client.get("/services/1.001193?commune=zzzz")
    assert unknown.status_code == 200 and "Không tìm thấy xã, phường nào" in text_of(unknown)
    province = text_of(client.get("/services/2.001610?commune=tan-an"))
    assert "Trung tâm Phục vụ hành chính công tỉnh Đắk Lắk" in province


def test_commune_filters_the_list_and_the_api(client, services):
    body = client.get("/api/v1/services?commune=tan-an").get_json()
    assert [i["code"] for i in body["items"]] == ["1.001193"]
    page = text_of(client.get("/services?commune=tan-an"))
    assert "Giải quyết tại Phường Tân An" in page and "1 dịch vụ" in page
    bad = client.get("/api/v1/services?commune=khong-co")
    assert bad.status_code == 400 and "xã, phường" in bad.get_json()["error"]["message"]
    assert client.get("/services?commune=tan-an&tier=province").status_code == 400
