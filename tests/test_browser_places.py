"""A person in real headless Chromium (360 px phone and desktop): where to go, and when.

The clock is the test's (catalogue.clock.frozen_at): the served portal runs in this
process, so "open now" is asserted on a chosen Tuesday morning and on Tết. The journeys run
with JavaScript switched off, as the pages must work without it; axe-core (shipped by the
axe-playwright-python package) checks the new pages for accessibility violations.
"""

from __future__ import annotations

import os
import re
from datetime import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe

from catalogue.clock import frozen_at
from catalogue.demo_points import create_demo_points
from catalogue.places import load_places, read_place_data
from catalogue.vocabulary import VIETNAM_TZ
from portal.extensions import db
from tests.support import ARTIFACTS, DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser

TUESDAY_9AM = datetime(2026, 2, 10, 9, 0, tzinfo=VIETNAM_TZ)
TET_9AM = datetime(2026, 2, 17, 9, 0, tzinfo=VIETNAM_TZ)  # Tết Nguyên Đán, a Tuesday
BUNDLE = "/life-events/co-con-nho/khai-sinh-thuong-tru-bhyt-tre-duoi-6-tuoi"


@pytest.fixture
def places_and_services(make_service):
    load_places(db.session, read_place_data())
    create_demo_points(db.session)
    db.session.commit()
    make_service(status="published", life_events=["co-con-nho"])  # 1.001193 Đăng ký khai sinh
    make_service(status="published", code="1.004222", name="Đăng ký thường trú", level=2,
                 online_url=None, life_events=["co-con-nho", "cu-tru-va-giay-to-tuy-than"])
    make_service(status="published", code="2.000639", name="Cấp thẻ bảo hiểm y tế", level=2,
                 online_url=None, tier="province", life_events=["co-con-nho"])
    make_service(status="published", code="1.000689", level=2, online_url=None,
                 name="Thủ tục đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con",
                 life_events=["co-con-nho", "hon-nhan-va-gia-dinh"])


@pytest.fixture(params=["phone", "desktop"])
def no_js_page(request, browser):
    """A page with JavaScript switched off, at phone and at desktop width."""
    viewport = PHONE if request.param == "phone" else DESKTOP
    context = browser.new_context(viewport=viewport, locale="vi-VN", java_script_enabled=False,
                                  is_mobile=request.param == "phone")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.device = f"{request.param}-nojs"
    yield page
    context.close()


def part(page, selector: str, name: str) -> None:
    """A screenshot of one part of the page (the full page is too long to read at 360 px)."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.locator(selector).first.screenshot(path=os.path.join(ARTIFACTS, f"{name}-{page.device}.png"))


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_person_picks_hoa_thuan_and_sees_where_and_when(no_js_page, live_server, places_and_services):
    page = no_js_page
    with frozen_at(TUESDAY_9AM):
        page.goto(live_server + "/services/1.001193")
        page.get_by_label("Gõ tên xã, phường nơi bạn ở").fill("Hòa Thuận")
        page.get_by_role("button", name="Xem nơi nộp").click()
        page.wait_for_url(re.compile(r"commune=H%C3%B2a\+Thu%E1%BA%ADn"))
        centre = page.get_by_role("article", name="Trung tâm Phục vụ hành chính công Phường Tân An")
        assert centre.is_visible()
        assert centre.get_by_text("Đang mở cửa").is_visible()
        hours = centre.get_by_role("table", name="Giờ tiếp nhận hồ sơ")
        assert hours.get_by_role("row", name=re.compile(r"Thứ Hai .*07:00–11:00, 13:30–17:00")).is_visible()
        assert hours.get_by_role("row", name=re.compile("Chủ Nhật Nghỉ")).is_visible()
        assert centre.get_by_role("link", name="Xem trên bản đồ (OpenStreetMap)").get_attribute(
            "href").startswith("https://www.openstreetmap.org/")
        assert page.get_by_label("Gõ tên xã, phường nơi bạn ở").input_value() == "Phường Tân An"
        fits(page)
        screenshot(page, "service-place-open")
        part(page, ".service-place", "service-place-open-part")
        # The shared link: the choice lives in the URL.
        page.goto(live_server + "/services/1.001193?commune=tan-an")
        assert page.get_by_role("article", name=re.compile("Phường Tân An")).get_by_text(
            "Đang mở cửa").is_visible()
    with frozen_at(TET_9AM):
        page.reload()
        centre = page.get_by_role("article", name="Trung tâm Phục vụ hành chính công Phường Tân An")
        assert centre.get_by_text("Đã đóng cửa").is_visible()
        assert centre.get_by_text(re.compile(r"Hôm nay nghỉ lễ \(Tết Nguyên Đán\)")).is_visible()
        fits(page)
        screenshot(page, "service-place-holiday")
        part(page, ".point-card", "service-place-holiday-part")


def test_an_old_district_offers_the_communes_it_became(no_js_page, live_server, places_and_services):
    page = no_js_page
    page.goto(live_server + "/services/1.001193?commune=huyện+Krông+Pắc")
    page.get_by_role("link", name="Xã Krông Pắc").click()
    page.wait_for_url(re.compile(r"commune=krong-pac"))
    assert page.get_by_role("article", name="Trung tâm Phục vụ hành chính công Xã Krông Pắc").is_visible()


def test_the_communes_list_and_a_commune_page(no_js_page, live_server, places_and_services):
    page = no_js_page
    page.goto(live_server + "/communes")
    assert page.get_by_text("Administrative data provided by VietMap").is_visible()
    page.get_by_label("Tìm xã, phường (tên mới hoặc tên cũ)").fill("xa hoa thuan")
    page.get_by_role("button", name="Tìm", exact=True).click()
    page.wait_for_url(re.compile(r"/communes\?q=xa\+hoa\+thuan"))
    screenshot(page, "communes-search")
    page.locator(".commune-found").get_by_role("link", name="Phường Tân An").click()
    page.wait_for_url(re.compile(r"/communes/tan-an$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Phường Tân An"
    assert page.get_by_text("Dữ liệu minh họa").first.is_visible()
    assert page.get_by_role("link", name="Đăng ký khai sinh", exact=True).is_visible()
    fits(page)
    screenshot(page, "commune-tan-an")


def test_having_a_baby_lists_birth_registration_first(no_js_page, live_server, places_and_services):
    page = no_js_page
    page.goto(live_server + "/life-events")
    page.get_by_role("link", name=re.compile("^Có con nhỏ")).click()
    page.wait_for_url(re.compile(r"/life-events/co-con-nho$"))
    first = page.locator("ol.journey > li").first.get_by_role("link")
    assert first.inner_text() == "Đăng ký khai sinh"
    fits(page)
    screenshot(page, "life-event-co-con-nho")
    page.get_by_role("link", name=re.compile("^Làm từng bước")).click()
    page.wait_for_url(re.compile(BUNDLE + "$"))
    assert page.get_by_role("heading", name=re.compile("^Bước 1: Đăng ký khai sinh")).is_visible()
    fits(page)
    screenshot(page, "life-event-bundle")


AXE_PATHS = ["/communes", "/communes?q=huyen+krong+pac", "/communes/tan-an",
             "/services/1.001193?commune=tan-an", "/services/1.001193?commune=huyen+krong+pac",
             "/services/2.000639?commune=tan-an", "/life-events", "/life-events/co-con-nho", BUNDLE,
             "/services?life_event=co-con-nho"]


def test_axe_finds_no_violation_on_the_new_pages(page, live_server, places_and_services):
    axe = Axe()
    with frozen_at(TUESDAY_9AM):
        for path in AXE_PATHS:
            response = page.goto(live_server + path)
            assert response is not None and response.status == 200, path
            results = axe.run(page)
            assert results.violations_count == 0, f"{path}\n{results.generate_report()}"
