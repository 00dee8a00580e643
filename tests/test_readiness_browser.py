"""/statistics/index in a real browser at 360 px and desktop: readable, no horizontal
scroll, works without JavaScript, axe-core finds no violation."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from bench.statistics_page import build_catalogue
from portal.extensions import db
from tests.support import screenshot

pytestmark = pytest.mark.browser


def test_index_page_reads_at_every_width_and_is_accessible(page: Any, live_server: str, app: Any) -> None:
    build_catalogue(db.session, 300)
    db.session.commit()
    page.context.set_extra_http_headers({})
    page.goto(f"{live_server}/statistics/index?as_of=2020-06-30")
    assert page.get_by_role("heading", level=1).is_visible()
    assert "Ngày làm việc được đếm theo: thư viện holidays" in page.inner_text(".calendar-used")
    assert page.locator(".line-chart svg polyline").count() >= 4
    assert page.locator("table.ranking tbody tr").count() > 5
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "statistics-index")
    # The sections one by one, to look at (a whole page at 360 px is too tall to read).
    for section in ("toan-tinh", "theo-thoi-gian", "xep-hang"):
        page.locator(f"section:has(#{section})").screenshot(
            path=f"tests/artifacts/statistics-index-{section}-{page.device}.png")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    # The ranking's agency link narrows the list of services to fix, without JavaScript.
    first = page.locator("table.ranking tbody tr th a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url("**agency=**")
    assert page.get_by_role("heading", name=f"Thủ tục làm mất điểm: {name}").is_visible()


def test_index_page_without_javascript(browser: Any, live_server: str, app: Any) -> None:
    build_catalogue(db.session, 100)
    db.session.commit()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server}/statistics/index")
    page.fill("#as_of", "2015-12-31")
    page.get_by_role("button", name="Xem chỉ số").click()
    page.wait_for_url("**as_of=2015-12-31**")
    assert page.get_by_role("heading", name="Toàn tỉnh, đến hết ngày 31/12/2015", exact=False).is_visible()
    context.close()
