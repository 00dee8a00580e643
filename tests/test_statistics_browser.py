"""The statistics page in a real browser, at phone and desktop widths, and on the demo."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest

from bench.statistics_page import build_catalogue
from portal.extensions import db
from tests.support import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser


def _fits_width(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_statistics_page_reads_at_every_width(page: Any, live_server: str, app: Any) -> None:
    build_catalogue(db.session, 400)
    db.session.commit()
    page.goto(f"{live_server}/statistics?as_of=2015-07-07&from=2015-01-01&to=2015-06-30")
    headline = page.locator("#online-total")
    assert headline.is_visible() and int(headline.inner_text().replace(".", "")) > 0
    assert page.locator(".growth-chart svg polygon").count() >= 2
    growth = page.get_by_role("img", name="Số dịch vụ công trực tuyến theo tháng, theo quy định từng thời kỳ")
    assert growth.is_visible()
    assert page.locator("#bang-theo-co-quan tr.group th").inner_text() == "Các huyện, thị xã, thành phố"
    assert _fits_width(page)
    screenshot(page, "statistics-generated")

    with page.expect_download() as download:
        page.locator('.downloads a[href*="theo-cap.csv"]').click()
    assert download.value.suggested_filename == "thong-ke-theo-cap-2015-07-07.csv"

    # Changing the day through the form answers for that day.
    page.fill("#as_of", "2010-01-31")
    page.get_by_role("button", name="Xem thống kê").click()
    page.wait_for_url("**as_of=2010-01-31**")
    assert page.get_by_role("heading", name="Tính đến hết ngày 31/01/2010").is_visible()


def test_report_prints_on_one_page(browser: Any, live_server: str, app: Any) -> None:
    build_catalogue(db.session, 400)
    db.session.commit()
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server}/statistics/report?from=2015-01-01&to=2015-06-30")
    assert page.locator(".print-button").is_visible()  # the script is served by the portal itself
    pdf = page.pdf(format="A4")
    context.close()
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1


DEMO_PRESENT = (resources.files("catalogue") / "demo" / "daklak.json.gz").is_file()


@pytest.mark.slow
@pytest.mark.skipif(not DEMO_PRESENT, reason="the demo catalogue (catalogue/demo/daklak.json.gz) "
                                             "has not landed in this branch")
def test_demo_shows_661_online_services(browser: Any, live_server: str, runner: Any) -> None:
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(viewport=viewport, locale="vi-VN", is_mobile=name == "phone")
        page = context.new_page()
        page.device = name
        # Decree 43 in July 2011: the province's figure; today Decree 224 counts its own.
        for query, figure in (("?as_of=2011-07-07", "661"), ("", "816")):
            page.goto(f"{live_server}/statistics{query}")
            assert page.locator("#online-total").inner_text() == figure
        assert page.locator(".growth-chart svg polygon").count() >= 1
        assert _fits_width(page)
        page.goto(f"{live_server}/statistics?as_of=2011-07-07")
        screenshot(page, "statistics-demo")
        context.close()
