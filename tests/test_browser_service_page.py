"""The birth-registration page of the demo, as a parent reads it in real Chromium at 360 px
and on a desktop: the summary first, the channels as a table, the dossier grouped with its
cases, a contents list that jumps, a print stylesheet without navigation, and axe-core
finding no violation (on /statistics too)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from catalogue.file_formats import parse_json
from catalogue.operations import Actor
from catalogue.transfer import import_catalogue
from portal.extensions import db
from tests.support import screenshot

pytestmark = pytest.mark.browser

DEMO = Path(__file__).resolve().parent.parent / "catalogue" / "demo" / "daklak.json.gz"
BIRTH = "1.001193"


@pytest.fixture
def birth(app):
    """The demo's birth registration with its agency tree and field, imported as a file."""
    with gzip.open(DEMO, "rt", encoding="utf-8") as fh:
        demo = json.load(fh)
    service = next(s for s in demo["services"] if s["code"] == BIRTH)
    agencies = {a["code"]: a for a in demo["agencies"]}
    chain, code = [], service["agency"]
    while code:
        chain.insert(0, agencies[code])
        code = agencies[code]["parent"]
    field = next(f for f in demo["fields"] if f["code"] == service["field"])
    payload = {"agencies": chain, "fields": [field], "services": [service]}
    import_catalogue(db.session, parse_json(json.dumps(payload, ensure_ascii=False)), Actor("test"))
    db.session.commit()
    return service


def _top(page, selector: str) -> float:
    return page.locator(selector).first.evaluate("el => el.getBoundingClientRect().top + scrollY")


def test_birth_registration_reads_in_a_citizens_order(page, live_server, birth):
    page.goto(f"{live_server}/services/{BIRTH}")
    assert page.get_by_role("heading", level=1).inner_text() == birth["name"]
    # The summary box comes first, then the contents, the channels and the dossier.
    order = [_top(page, s) for s in (".glance", "nav.contents", "#cach-thuc-hien", "#ho-so",
                                     "#trinh-tu", "#can-cu", "#thong-tin")]
    assert order == sorted(order)
    glance = page.locator(".glance")
    for label in ("Dành cho", "Cách nộp", "Thời hạn giải quyết", "Phí, lệ phí", "Nơi nộp"):
        assert glance.get_by_text(label, exact=True).is_visible(), label
    apply = glance.get_by_role("link", name="Nộp hồ sơ trực tuyến")
    assert apply.is_visible()  # level 3: the online button is in the box
    assert _top(page, ".glance") < page.viewport_size["height"]

    # Channels: a table, one row a channel, with its time and fee.
    table = page.locator("table.channels")
    heads = table.locator("tbody th").all_inner_texts()
    assert heads == ["Trực tuyến", "Dịch vụ bưu chính", "Trực tiếp"]
    assert table.locator("tbody tr").first.locator("td").nth(1).inner_text() == "Miễn phí"
    # ... read whole at either width: on a phone each channel is a card, no sideways scroll
    assert page.locator(".channels-wrap").evaluate("el => el.scrollWidth <= el.clientWidth + 1")

    # The dossier: papers to submit and to show, each case under its own heading.
    dossier = page.locator("#ho-so")
    assert dossier.get_by_role("heading", name="Giấy tờ phải nộp", level=3).is_visible()
    assert dossier.get_by_role("heading", name="Giấy tờ phải xuất trình", level=3).is_visible()
    case = dossier.get_by_role("heading", name="Trường hợp trẻ em bị bỏ rơi", level=4)
    assert case.is_visible()
    paper = case.locator("xpath=following-sibling::ul[1]/li").first
    assert paper.inner_text().startswith("Biên bản về việc trẻ bị bỏ rơi")
    assert "(1 bản chính)" in paper.inner_text()
    # A remark ("0 bản") is a note, not a paper; the form link sits beside its paper and
    # says where it goes.
    notes = dossier.locator(".doc-notes")
    assert notes.get_by_text("Cơ quan đăng ký hộ tịch từ chối giải quyết", exact=False).count() == 1
    assert dossier.locator("ul.documents").get_by_text("Cơ quan đăng ký hộ tịch từ chối").count() == 0
    form = dossier.locator("ul.documents li", has_text="Tờ khai đăng ký khai sinh").locator("a.form-page")
    assert form.inner_text().startswith("Xem mẫu trên Cổng Dịch vụ công quốc gia")
    assert "Tải" not in page.locator(".glance").inner_text()  # no download promised
    # Steps: one numbering, sub-items nested in their step.
    steps = page.locator("ol.steps > li")
    assert steps.count() >= 5
    assert not steps.first.inner_text().startswith(("1.", "Bước"))
    assert page.locator("ol.steps > li .sub-steps > li").count() >= 3
    # The date is the entry's own (its last change), not a fixed one.
    assert "Nội dung cập nhật lần cuối ngày" in page.locator(".updated").inner_text()
    screenshot(page, "birth-registration")

    # The contents list jumps to each part.
    links = page.locator("nav.contents a")
    for i in range(links.count()):
        link = links.nth(i)
        target = link.get_attribute("href")
        link.click()
        assert page.evaluate("location.hash") == target
        top = page.locator(target).evaluate("el => el.getBoundingClientRect().top")
        bottom = page.evaluate("document.documentElement.scrollHeight - scrollY - innerHeight")
        assert -2 <= top <= 40 or bottom <= 2, (target, top)  # at the top, or page's end reached
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]


def test_print_shows_the_procedure_without_navigation(page, live_server, birth):
    page.goto(f"{live_server}/services/{BIRTH}")
    assert page.locator(".site-header").is_visible()
    page.emulate_media(media="print")
    for selector in (".site-header", ".site-footer", "nav.breadcrumb", "nav.contents", ".apply-online"):
        assert not page.locator(selector).is_visible(), selector
    for selector in ("h1", ".glance", "table.channels", "#ho-so", "ol.steps"):
        assert page.locator(selector).first.is_visible(), selector
    screenshot(page, "birth-registration-print")


def test_axe_finds_no_violation(page, live_server, birth):
    axe = Axe()
    for path in (f"/services/{BIRTH}", "/statistics"):
        response = page.goto(live_server + path)
        assert response is not None and response.status == 200, path
        results = axe.run(page)
        assert results.violations_count == 0, f"{path}\n{results.generate_report()}"
