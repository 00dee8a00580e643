"""The service page of a second-edition record, through the test client: parts in order,
the dossier grouped by case, notes apart, steps nested, form links that say what they do."""

from __future__ import annotations

import re

from catalogue.vocabulary import VIETNAM_TZ
from tests.support import text_of

PAGE_FORM = {"title": "Tờ khai đăng ký kết hôn",
             "url": "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma=1",
             "kind": "page"}


def _record(**overrides):
    data = {
        "steps": ["Bước 1: Nộp hồ sơ.",
                  "2. Kiểm tra hồ sơ:\n- a) đủ thì tiếp nhận;\n- b) chưa đủ thì hướng dẫn bổ sung."],
        "documents": [
            {"name": "Tờ khai đăng ký kết hôn", "copies": 1, "copy_type": "original", "group": "submit"},
            {"name": "Trích lục ghi chú ly hôn", "copies": 1, "copy_type": "copy", "group": "submit",
             "condition": "Trường hợp đã ly hôn ở nước ngoài"},
            {"name": "Giấy tờ tùy thân", "copies": 1, "group": "show"},
        ],
        "document_notes": ["Không phải nộp giấy tờ đã có trong Cơ sở dữ liệu quốc gia về dân cư:",
                           "- Giấy xác nhận tình trạng hôn nhân."],
        "channels": [{"kind": "in_person", "processing_days": 0.5, "processing_time": "4 Giờ làm việc",
                      "fee": "", "fee_vnd": 0, "description": ""},
                     {"kind": "online", "processing_days": 1, "processing_time": "1 Ngày làm việc",
                      "fee": "50.000 đồng", "fee_vnd": 50000, "description": "Qua Cổng Dịch vụ công"}],
        "forms": [PAGE_FORM],
        "level": 2, "online_url": None,
    }
    data.update(overrides)
    return data


def test_parts_come_in_a_citizens_order_with_cases_and_notes(client, make_service):
    make_service(status="published", **_record())
    page = text_of(client.get("/services/1.001193"))
    marks = ['class="glance"', 'class="contents"', 'id="cach-thuc-hien"', 'id="ho-so"', 'id="trinh-tu"',
             'id="can-cu"', 'id="thong-tin"']
    assert [page.index(m) for m in marks] == sorted(page.index(m) for m in marks)
    # Channels: online first, each with its own time and fee; half a day is written 0,5.
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td[^>]*>([^<]+)', page)
    assert rows == [("Trực tuyến", "1 ngày làm việc "), ("Trực tiếp", "0,5 ngày làm việc ")]
    assert "50.000 đồng" in page and "Miễn phí" in page
    # The dossier: always-needed papers, then the case under its heading; show apart.
    dossier = page[page.index('id="ho-so"'):page.index('id="trinh-tu"')]
    assert dossier.index("Giấy tờ phải nộp") < dossier.index("Trường hợp đã ly hôn ở nước ngoài") \
        < dossier.index("Trích lục ghi chú ly hôn") < dossier.index("Giấy tờ phải xuất trình")
    assert '<h4 class="case">Trường hợp đã ly hôn ở nước ngoài</h4>' in dossier
    assert "(1 bản chính)" in dossier and "(1 bản sao)" in dossier
    notes = dossier[dossier.index("Lưu ý về hồ sơ"):]
    assert re.search(r"dân cư:<ul>\s*<li>Giấy xác nhận tình trạng hôn nhân.</li>", notes)
    # Steps: the page numbers them; the source's "Bước 1:" and "2." are gone; letters nest.
    steps = page[page.index('<ol class="steps">'):]
    assert "<li>Nộp hồ sơ." in steps and "Bước 1" not in steps and "2. Kiểm tra" not in steps
    assert re.search(r'Kiểm tra hồ sơ:\s*<ol class="sub-steps" type="a">\s*<li>đủ thì tiếp nhận;</li>', steps)


def test_a_page_form_never_promises_a_download(client, make_service):
    make_service(status="published", **_record())
    page = text_of(client.get("/services/1.001193"))
    assert "Tải" not in page[page.index('class="glance"'):page.index('class="contents"')]
    assert "Xem mẫu đơn, tờ khai trên mạng" in page
    link = re.search(r'<a class="form-link form-page" href="([^"]+)" rel="external noopener">([^<]+)', page)
    assert link.groups() == (PAGE_FORM["url"].replace("&", "&amp;"),
                             "Xem mẫu trên Cổng Dịch vụ công quốc gia")
    # The form sits beside the paper it is named after, not in a list of its own.
    assert 'id="forms-title"' not in page


def test_a_file_form_says_its_format(client, make_service):
    make_service(status="published", **_record(forms=[
        {"title": "Tờ khai đăng ký kết hôn", "url": "https://example.gov.vn/mau/to-khai.docx"}]))
    page = text_of(client.get("/services/1.001193"))
    assert "Tải mẫu đơn, tờ khai ở mục" in page
    assert ">Tải về (DOCX)<" in page


def test_the_date_shown_is_the_entrys_last_change(client, make_service):
    service = make_service(status="published", **_record())
    page = text_of(client.get("/services/1.001193"))
    shown = service.updated_at.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y")
    assert re.search(r"cập nhật lần cuối ngày <time datetime=\"[^\"]+\">" + shown, page)
