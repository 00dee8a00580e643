"""An editor's whole day in headless Chromium: sign in, create a level 3 service with three
steps and an uploaded form, publish, find it, edit, read the history, archive; and another
agency's editor fails to reach it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalogue.models import Service
from catalogue.search import SearchQuery, search_services
from portal.extensions import db
from tests.manage_support import PASSWORD
from tests.support import screenshot

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CODE = "2.002345"


def _sign_in(page, base: str, email: str) -> None:
    page.set_default_timeout(30_000)  # each step is a full page load; a loaded CI box is slow
    page.goto(base + "/")
    page.get_by_role("link", name="Đăng nhập").click()
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def _stored() -> Service | None:
    db.session.expire_all()
    return db.session.scalar(select(Service).where(Service.code == CODE))


def test_editor_creates_publishes_edits_and_archives_a_service(page, live_server, accounts):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.accept())
    _sign_in(page, live_server, "tuphap@daklak.gov.vn")
    page.get_by_role("link", name="Thêm thủ tục").first.click()

    page.get_by_label("Mã thủ tục", exact=True).fill(CODE)
    page.get_by_label("Tên thủ tục", exact=True).fill("Đăng ký kết hôn")
    page.get_by_label("Mức độ", exact=True).select_option("3")
    page.get_by_label("Lĩnh vực", exact=True).select_option("ho-tich")
    page.get_by_label("Cấp thực hiện", exact=True).select_option("commune")
    page.get_by_label("Đối tượng thực hiện", exact=True).select_option("citizen")
    page.get_by_label("Bước 1", exact=True).fill("Nộp tờ khai đăng ký kết hôn")
    # Rows are added by posting the form back: what was typed must survive each round trip.
    page.get_by_role("button", name="Thêm bước").click()
    page.get_by_label("Bước 2", exact=True).fill("Công chức tư pháp kiểm tra hồ sơ")
    page.get_by_role("button", name="Thêm bước").click()
    page.get_by_label("Bước 3", exact=True).fill("Trao Giấy chứng nhận kết hôn")
    assert page.get_by_label("Bước 1", exact=True).input_value() == "Nộp tờ khai đăng ký kết hôn"
    assert page.get_by_label("Mã thủ tục", exact=True).input_value() == CODE
    page.get_by_role("button", name="Thêm mẫu đơn").click()
    page.get_by_label("Tiêu đề mẫu 1", exact=True).fill("Tờ khai đăng ký kết hôn")
    page.locator("input[name='forms-0-file']").set_input_files(
        files=[{"name": "to-khai-ket-hon.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_label("Địa chỉ nộp hồ sơ trực tuyến", exact=True).fill("https://dichvucong.daklak.gov.vn/ket-hon")
    # Decree 224/2026: a service only partly online says why (both spouses sign in person).
    page.get_by_label("Hình thức trực tuyến", exact=True).select_option("partial")
    page.get_by_label("Lý do chỉ trực tuyến một phần", exact=True).select_option("presence")
    page.get_by_role("button", name="Lưu", exact=True).last.click()

    page.get_by_text("Đã tạo bản nháp “Đăng ký kết hôn”").wait_for()
    screenshot(page, "manage-created")
    service = _stored()
    assert service.status == "draft" and service.level == 3
    assert service.steps == ["Nộp tờ khai đăng ký kết hôn", "Công chức tư pháp kiểm tra hồ sơ",
                             "Trao Giấy chứng nhận kết hôn"]
    assert service.forms[0]["url"].startswith("/files/to-khai-ket-hon-")

    with page.expect_download() as download:
        page.get_by_role("link", name=service.forms[0]["url"][7:]).click()
    assert download.value.suggested_filename.endswith(".pdf")

    page.get_by_role("button", name="Công bố").click()
    page.get_by_text("Đã công bố “Đăng ký kết hôn”").wait_for()
    assert _stored().status == "published"
    found = search_services(db.session, SearchQuery(q="ket hon"))
    assert [hit.service.code for hit in found.hits] == [CODE]
    # A citizen finds it through the public search, without diacritics, and opens it.
    page.goto(f"{live_server}/services?q=ket+hon")
    page.get_by_role("link", name="Đăng ký kết hôn").first.click()
    page.get_by_role("heading", name="Đăng ký kết hôn", level=1).wait_for()
    assert page.url.endswith(f"/services/{CODE}")
    assert "Trao Giấy chứng nhận kết hôn" in page.content()
    page.get_by_role("link", name="Quản lý").click()
    page.get_by_role("link", name="Đăng ký kết hôn").click()

    page.get_by_label("Phí, lệ phí", exact=True).fill("Miễn lệ phí")
    # A published service: "Lưu và xuất bản" puts the change live (the agency needs no review).
    page.get_by_role("button", name="Lưu và xuất bản", exact=True).click()
    page.get_by_text("Đã lưu và xuất bản thay đổi.").wait_for()
    assert _stored().fees == "Miễn lệ phí"

    page.get_by_role("link", name="Lịch sử thay đổi").click()
    history = page.locator("ol.history")
    assert history.locator("li.revision").count() == 3
    first = history.locator("li.revision").first
    assert "Sửa" in first.inner_text() and "Miễn lệ phí" in first.inner_text()
    assert "tuphap@daklak.gov.vn" in first.inner_text()
    screenshot(page, "manage-history")

    page.get_by_role("link", name="Quay lại sửa").click()
    page.get_by_role("button", name="Lưu trữ").click()
    page.get_by_text("Đã lưu trữ “Đăng ký kết hôn”").wait_for()
    assert _stored().status == "archived"
    assert search_services(db.session, SearchQuery(q="ket hon")).total == 0
    assert not [p for p in problems if "Content Security Policy" in p], problems


def test_another_agency_editor_cannot_reach_the_draft(page, live_server, accounts, make_service):
    make_service(code=CODE, name="Đăng ký kết hôn")
    _sign_in(page, live_server, "khdt@daklak.gov.vn")
    page.get_by_role("heading", name="Thủ tục của Sở Kế hoạch và Đầu tư").wait_for()
    assert "Đăng ký kết hôn" not in page.content()
    for suffix in ("edit", "history", "preview"):
        answer = page.goto(f"{live_server}/manage/services/{CODE}/{suffix}")
        assert answer.status == 403
        assert page.get_by_role("heading", name="Không có quyền truy cập").is_visible()
        assert "Đăng ký kết hôn" not in page.content()
    screenshot(page, "manage-forbidden")
