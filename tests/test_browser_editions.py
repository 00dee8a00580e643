"""Issue 17 in headless Chromium, at 360 px and desktop: an edition waits for a reviewer
of the same agency while the public page stays the same; the error summary's links move
focus to each field; a citizen's "no, thiếu lệ phí" reaches the agency's editor."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalogue.models import Agency
from portal.extensions import db
from tests.manage_support import PASSWORD
from tests.support import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser

CODE = "1.001193"


def _sign_in(page, base: str, email: str) -> None:
    page.set_default_timeout(30_000)
    page.goto(base + "/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/manage/**")


def _second_page(browser, page):
    """Another person, in a browser of their own, at the same width."""
    context = browser.new_context(viewport=PHONE if page.device == "phone" else DESKTOP, locale="vi-VN",
                                  is_mobile=page.device == "phone")
    other = context.new_page()
    other.set_default_timeout(30_000)
    other.device = page.device
    return context, other


def test_the_public_page_stays_the_same_until_a_reviewer_approves(page, browser, live_server, accounts,
                                                                  reviewers, make_service):
    make_service(status="published")
    agency = db.session.scalar(select(Agency).where(Agency.code == "so-tu-phap"))
    agency.requires_review = True
    db.session.commit()
    _sign_in(page, live_server, "tuphap@daklak.gov.vn")
    page.goto(f"{live_server}/manage/services/{CODE}/edit")
    page.get_by_label("Phí, lệ phí", exact=True).fill("Lệ phí 8.000 đồng")
    page.get_by_role("button", name="Lưu và gửi duyệt").click()
    page.get_by_text("Đã gửi bản sửa đổi để duyệt").wait_for()
    screenshot(page, "edition-sent-for-review")

    context, other = _second_page(browser, page)
    try:
        other.goto(f"{live_server}/services/{CODE}")
        assert "Miễn lệ phí" in other.content() and "8.000 đồng" not in other.content()
        _sign_in(other, live_server, "duyet@daklak.gov.vn")
        other.goto(f"{live_server}/manage/services/{CODE}/edit")
        other.get_by_role("button", name="Duyệt và xuất bản").click()
        other.get_by_text("Đã xuất bản bản sửa đổi.").wait_for()
        screenshot(other, "edition-approved")
    finally:
        context.close()
    page.goto(f"{live_server}/services/{CODE}")
    assert "Lệ phí 8.000 đồng" in page.content()
    screenshot(page, "edition-public-after")


def test_the_error_summary_links_move_focus_to_each_field(page, live_server, accounts):
    _sign_in(page, live_server, "tuphap@daklak.gov.vn")
    page.goto(f"{live_server}/manage/services/new")
    page.get_by_label("Mã thủ tục", exact=True).fill("2.000777")
    page.get_by_label("Mức độ", exact=True).select_option("1")
    page.get_by_label("Lĩnh vực", exact=True).select_option("ho-tich")
    page.get_by_label("Cấp thực hiện", exact=True).select_option("commune")
    page.get_by_label("Đối tượng thực hiện", exact=True).select_option("citizen")
    page.get_by_label("Địa chỉ nộp hồ sơ trực tuyến", exact=True).fill("ftp://khong-hop-le")
    page.get_by_role("button", name="Lưu", exact=True).last.click()  # two errors: name, online_url
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    links = summary.locator("a")
    assert links.count() == 2
    screenshot(page, "error-summary")
    for i, target in enumerate(("name", "online_url")):
        links.nth(i).click()
        assert page.evaluate("document.activeElement.id") == target
        box = page.locator(f"#{target}").bounding_box()
        assert box and 0 <= box["y"] < page.viewport_size["height"]  # scrolled into view
    # Without JavaScript the link still leads to the field (its anchor).
    assert links.nth(1).get_attribute("href") == "#online_url"
    screenshot(page, "error-summary-focused")


def test_a_citizen_says_what_is_missing_and_the_editor_sees_it(page, browser, live_server, accounts,
                                                               make_service):
    make_service(status="published")
    page.set_default_timeout(30_000)
    page.goto(f"{live_server}/services/{CODE}")
    page.get_by_text("Thông tin này có hữu ích không?").wait_for()
    page.locator(".service-upkeep").screenshot(path=f"tests/artifacts/service-feedback-box-{page.device}.png")
    page.get_by_role("button", name="Không", exact=True).click()
    page.get_by_label("Thiếu thông tin gì? (không bắt buộc)").fill("Thiếu lệ phí")
    screenshot(page, "feedback-form")
    page.get_by_role("button", name="Gửi ý kiến").click()
    page.get_by_role("heading", name="Cảm ơn bạn đã góp ý").wait_for()

    context, editor = _second_page(browser, page)
    try:
        _sign_in(editor, live_server, "tuphap@daklak.gov.vn")
        editor.get_by_role("link", name="Ý kiến người dân").click()
        editor.get_by_text("Thiếu: Thiếu lệ phí").wait_for()
        assert "1 câu trả lời" in editor.locator(".feedback-counts").inner_text()
        screenshot(editor, "feedback-seen-by-editor")
    finally:
        context.close()
