"""A citizen in real headless Chromium, on a 360 px phone and on a desktop."""

from __future__ import annotations

import re

import pytest

from tests.support import screenshot

pytestmark = pytest.mark.browser

ONLINE_URL = "https://dichvucong.daklak.gov.vn/nop-truc-tuyen/1.001193"
LOCAL_FORM = "/static/forms/mau-to-khai-dang-ky-khai-sinh.pdf"


@pytest.fixture
def catalogue(make_service):
    make_service(status="published", forms=[
        {"title": "Tờ khai đăng ký khai sinh (PDF)", "url": LOCAL_FORM},
        {"title": "Tờ khai trên Cổng dịch vụ công quốc gia", "url": "https://dichvucong.gov.vn/to-khai.docx"},
    ])
    make_service(status="published", code="1.000656", name="Đăng ký khai sinh có yếu tố nước ngoài", level=2,
                 field="dat-dai", online_url=None, summary="Trẻ em có cha hoặc mẹ là người nước ngoài.")
    make_service(status="published", code="1.000894", name="Đăng ký kết hôn", level=2, online_url=None,
                 summary="Kết hôn giữa công dân Việt Nam.", result="Giấy chứng nhận kết hôn",
                 steps=["Hai bên nam, nữ nộp hồ sơ.", "Trao Giấy chứng nhận kết hôn."],
                 documents=[{"name": "Tờ khai đăng ký kết hôn", "copies": 1}],
                 forms=[{"title": "Tờ khai đăng ký kết hôn", "url": "https://example.gov.vn/ket-hon.doc"}])
    make_service(status="published", code="2.001610", name="Đăng ký thành lập doanh nghiệp tư nhân",
                 level=4, agency="so-ke-hoach-va-dau-tu", field="thanh-lap-doanh-nghiep", tier="province",
                 audience="business", summary="Thành lập doanh nghiệp tư nhân.",
                 online_url="https://dangkykinhdoanh.gov.vn/nop",
                 result="Giấy chứng nhận đăng ký doanh nghiệp",
                 steps=["Nộp hồ sơ đăng ký doanh nghiệp.", "Nhận Giấy chứng nhận đăng ký doanh nghiệp."],
                 documents=[{"name": "Giấy đề nghị đăng ký doanh nghiệp", "copies": 1}],
                 forms=[{"title": "Giấy đề nghị đăng ký doanh nghiệp", "url": "https://example.gov.vn/dn.doc"}])


def stand_in_for_the_national_system(page) -> None:
    """The online application lives on another system; the test network has no route to it."""
    page.route(re.compile(r"https://dichvucong\.daklak\.gov\.vn/.*"), lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8",
        body="<!doctype html><title>Nộp hồ sơ trực tuyến</title><h1>Nộp hồ sơ</h1>"))


def test_home_to_level_3_online_application_in_three_clicks(page, live_server, catalogue):
    stand_in_for_the_national_system(page)
    page.goto(live_server + "/")
    screenshot(page, "home")
    clicks = 0

    page.get_by_role("link", name=re.compile(r"^\d+ Mức độ 3")).click()
    clicks += 1
    assert page.get_by_role("heading", name="1 dịch vụ").is_visible()
    screenshot(page, "level-3-list")

    page.get_by_role("link", name="Đăng ký khai sinh", exact=True).click()
    clicks += 1
    assert page.get_by_role("heading", level=1).inner_text() == "Đăng ký khai sinh"
    apply = page.get_by_role("link", name="Nộp hồ sơ trực tuyến")
    assert apply.is_visible()
    box = apply.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    screenshot(page, "service-level-3")

    apply.click()
    clicks += 1
    page.wait_for_url(ONLINE_URL)
    assert clicks == 3


def test_search_filter_open_and_download_a_form(page, live_server, catalogue):
    page.goto(live_server + "/")
    page.get_by_label("Tìm dịch vụ công").fill("khai sinh")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/services\?q=khai\+sinh"))
    results = page.locator(".results")
    assert page.get_by_role("heading", name="2 dịch vụ").is_visible()
    assert results.get_by_role("link", name="Đăng ký khai sinh có yếu tố nước ngoài").is_visible()
    assert results.get_by_role("link", name="Đăng ký kết hôn").count() == 0
    screenshot(page, "search-results")

    filters = page.locator(".filters")
    filters.get_by_text("Lĩnh vực", exact=True).click()  # opens the facet (closed on arrival)
    filters.get_by_role("link", name=re.compile(r"^Hộ tịch")).click()
    page.wait_for_url(re.compile(r"field=ho-tich"))
    assert page.get_by_role("heading", name="1 dịch vụ").is_visible()
    assert results.get_by_role("link", name="Đăng ký khai sinh có yếu tố nước ngoài").count() == 0
    assert page.get_by_label("Tìm trong danh mục").input_value() == "khai sinh"
    screenshot(page, "search-filtered")

    results.get_by_role("link", name="Đăng ký khai sinh", exact=True).click()
    page.wait_for_url(re.compile(r"/services/1\.001193$"))
    forms = page.get_by_role("region", name="Mẫu đơn, tờ khai")
    with page.expect_download() as info:
        forms.get_by_role("link", name="Tờ khai đăng ký khai sinh (PDF)").click()
    download = info.value
    assert download.suggested_filename == "mau-to-khai-dang-ky-khai-sinh.pdf"
    with open(download.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    screenshot(page, "service-forms")


def test_keyboard_reaches_the_search_with_a_visible_focus(page, live_server, catalogue):
    page.goto(live_server + "/services/1.001193")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Bỏ qua, đến nội dung chính")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box and box["y"] >= 0 and box["x"] >= 0  # shown on screen when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.goto(live_server + "/")
    search = page.get_by_label("Tìm dịch vụ công")
    for _ in range(12):
        page.keyboard.press("Tab")
        if search.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the search box is not reachable with Tab")
    outline = search.evaluate(
        "el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth")
    assert outline.startswith("solid") and not outline.endswith(" 0px")
    page.keyboard.type("ket hon")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=ket\+hon"))
    assert page.locator(".results").get_by_role("link", name="Đăng ký kết hôn").is_visible()


# WCAG 2.1 contrast of every piece of visible text against the first opaque background
# behind it: 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold).
LOW_CONTRAST_JS = """() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(parseFloat);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const background = el => { for (; el; el = el.parentElement) {
    const c = parse(getComputedStyle(el).backgroundColor); if (c && c.a > 0.9) return c; }
    return {r: 255, g: 255, b: 255, a: 1}; };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const s = getComputedStyle(el), box = el.getBoundingClientRect();
    if (s.visibility === 'hidden' || box.width <= 1 || box.height <= 1) continue;
    const a = lum(parse(s.color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (parseInt(s.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5))
      bad.push(`${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return bad;
}"""

LAYOUT_PATHS = ["/", "/services", "/services?q=khai+sinh&level=3", "/services/2.001610", "/agencies",
                "/agencies/so-tu-phap", "/services?level=9", "/khong-co"]


def test_pages_fit_the_screen_with_readable_contrast(page, live_server, catalogue):
    for path in LAYOUT_PATHS:
        response = page.goto(live_server + path)
        assert response is not None and response.status < 500, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], path
        font = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert font >= 16, path
        assert page.evaluate(LOW_CONTRAST_JS) == [], path
        if path in ("/services?level=9", "/khong-co"):
            screenshot(page, "error-400" if "level" in path else "error-404")
