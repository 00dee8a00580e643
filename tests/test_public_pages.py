"""The public pages as a citizen meets them: Flask test client, real database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from catalogue.usage import ServiceView
from portal.extensions import db
from tests.support import text_of, visit

STATIC = Path(__file__).resolve().parent.parent / "static"


@pytest.fixture
def catalogue(make_service):
    """Published services at every level, a draft and an archived one."""
    made = {
        "khai-sinh": make_service(status="published"),
        "ket-hon": make_service(status="published", code="1.000894", name="Đăng ký kết hôn", level=2,
                                summary="Kết hôn giữa công dân Việt Nam.",
                                online_url=None, tier="commune"),
        "doanh-nghiep": make_service(
            status="published", code="2.001610", name="Đăng ký thành lập doanh nghiệp tư nhân", level=4,
            summary="Thành lập doanh nghiệp tư nhân.",
            agency="so-ke-hoach-va-dau-tu", field="thanh-lap-doanh-nghiep", tier="province",
            audience="business", processing_days=3, fees="50.000 đồng/lần",
            online_url="https://dangkykinhdoanh.gov.vn/nop"),
        "xay-dung": make_service(
            status="published", code="1.009994", name="Cấp giấy phép xây dựng nhà ở riêng lẻ", level=1,
            summary="Nhà ở riêng lẻ tại đô thị.",
            forms=[], online_url=None, agency="ubnd-tp-buon-ma-thuot", field="dat-dai",
            tier="commune", audience="both", processing_days=15),
        "nhap": make_service(code="9.000001", name="Thủ tục đang soạn thảo"),
        "luu-tru": make_service(status="archived", code="9.000002", name="Thủ tục đã bãi bỏ"),
    }
    return made


def test_home_shows_headline_levels_fields_and_agencies(client, catalogue):
    page = text_of(client.get("/"))
    # Levels 2, 3 and 4 all count as online (a level 4 service meets level 3 too): 3 here,
    # and the headline says "level 2 and above", not "levels 2 and 3".
    assert re.search(r"<strong>3</strong> dịch vụ công trực tuyến \(mức độ 2 trở lên\)", page)
    assert "mức độ 2 và 3" not in page
    assert 'href="/services?level=3"' in page and 'href="/services?level=1"' in page
    assert 'href="/services?field=ho-tich"' in page and "Hộ tịch" in page
    assert 'href="/agencies/so-tu-phap"' in page and "Sở Tư pháp" in page
    assert "Thủ tục đang soạn thảo" not in page
    assert '<link rel="canonical" href="http://localhost/">' in page


# The page cache keeps the home page until it expires (test_page_cache.py checks that the
# ranking does come through then); here each view is to show at once.
@pytest.mark.config(PAGE_CACHE_SECONDS=0)
@pytest.mark.config(MOST_VIEWED_MIN_VIEWS=1)
def test_home_lists_online_services_until_views_exist_then_most_viewed(client, catalogue):
    page = text_of(client.get("/"))
    assert "Nộp hồ sơ trực tuyến" in page and "Dịch vụ được xem nhiều nhất" not in page
    assert "Đăng ký thành lập doanh nghiệp tư nhân" in page  # level 4 comes first
    assert "Cấp giấy phép xây dựng nhà ở riêng lẻ" not in page  # level 1 is not submitted online

    for i in range(3):
        visit(client, "/services/1.009994", f"visitor-{i:012d}")
    visit(client, "/services/1.000894")
    assert "Dịch vụ được xem nhiều nhất" not in text_of(client.get("/"))  # two are too few to rank
    visit(client, "/services/2.001610", "visitor-000000000001")
    visit(client, "/services/2.001610", "visitor-000000000002")
    page = text_of(client.get("/"))
    assert "Dịch vụ được xem nhiều nhất" in page
    popular = page.split("Dịch vụ được xem nhiều nhất", 1)[1].split("Theo lĩnh vực", 1)[0]
    assert popular.index("Cấp giấy phép xây dựng") < popular.index("Đăng ký thành lập doanh nghiệp")
    assert popular.index("Đăng ký thành lập doanh nghiệp") < popular.index("Đăng ký kết hôn")
    assert 'href="/services/1.001193"' not in popular  # never opened


def test_service_page_counts_each_visitor_once_a_day(client, catalogue):
    service = catalogue["khai-sinh"]
    visit(client, "/services/1.001193", "visitor-000000000001")
    visit(client, "/services/1.001193", "visitor-000000000001")  # a reload counts once
    visit(client, "/services/1.001193", "visitor-000000000002")
    visit(client, "/services/9.000001")  # a draft is not shown, so not counted
    client.head("/services/1.001193")  # a link checker is not a reader
    assert db.session.get(ServiceView, service.id).views == 2
    assert db.session.get(ServiceView, catalogue["nhap"].id) is None


def test_service_page_lays_out_the_whole_procedure(client, catalogue):
    response = client.get("/services/1.001193")
    assert response.status_code == 200
    page = text_of(response)
    assert "<h1 id=\"service-title\">Đăng ký khai sinh</h1>" in page
    assert "Mức độ 3" in page and "nộp và xử lý hồ sơ trực tuyến" in page
    assert 'href="https://dichvucong.daklak.gov.vn/nop-truc-tuyen/1.001193"' in page
    assert "Nộp hồ sơ trực tuyến" in page
    for expected in ("Tờ khai đăng ký khai sinh", "(1 bản)", "Giấy chứng sinh",
                     "Công chức tư pháp - hộ tịch kiểm tra hồ sơ.", "1 ngày làm việc", "Miễn lệ phí",
                     "Nộp trực tiếp hoặc trực tuyến.", "Luật Hộ tịch 60/2014/QH13", "Cấp xã", "Công dân",
                     'href="https://example.gov.vn/to-khai.doc"', "Sở Tư pháp",
                     "Ủy ban nhân dân tỉnh Đắk Lắk"):
        assert expected in page, expected
    assert page.index("Người có yêu cầu nộp hồ sơ") < page.index("Trả Giấy khai sinh")
    assert '<link rel="canonical" href="http://localhost/services/1.001193">' in page
    assert "<title>Đăng ký khai sinh – Tỉnh Đắk Lắk</title>" in page
    assert '<meta name="description" content="Đăng ký khai sinh cho trẻ em sinh ra tại Việt Nam.">' in page


def test_service_page_explains_each_level(client, catalogue):
    level4 = text_of(client.get("/services/2.001610"))
    assert "thanh toán và nhận kết quả trực tuyến" in level4
    assert "50.000 đồng/lần" in level4 and "3 ngày làm việc" in level4
    level1 = text_of(client.get("/services/1.009994"))
    assert "Mức độ 1" in level1 and "cung cấp thông tin" in level1
    assert "Nộp hồ sơ trực tuyến</a>" not in level1
    assert "15 ngày làm việc" in level1


def test_forms_served_by_the_portal_are_downloads(client, make_service):
    make_service(status="published", forms=[
        {"title": "Tờ khai (PDF)", "url": "/static/forms/mau-to-khai-dang-ky-khai-sinh.pdf"},
        {"title": "Tờ khai trên Cổng quốc gia", "url": "https://dichvucong.gov.vn/to-khai.docx"},
        {"title": "Trang thủ tục", "url": "https://dichvucong.gov.vn/p/home/dvc-chi-tiet.html?ma=1"},
    ])
    page = text_of(client.get("/services/1.001193"))
    size = (STATIC / "forms" / "mau-to-khai-dang-ky-khai-sinh.pdf").stat().st_size
    kb = f"{max(1, round(size / 1024))} KB"
    # A file says what it is: format, and size where the portal knows it.
    assert (f'<a class="form-link form-file" href="/static/forms/mau-to-khai-dang-ky-khai-sinh.pdf" '
            f'download>Tải về (PDF, {kb})<span class="visually-hidden">: Tờ khai (PDF)</span></a>') in page
    assert ('<a class="form-link form-file" href="https://dichvucong.gov.vn/to-khai.docx">Tải về (DOCX)'
            in page)
    # A page says where it goes, and that it leaves the site.
    assert ('href="https://dichvucong.gov.vn/p/home/dvc-chi-tiet.html?ma=1" rel="external noopener">'
            'Xem mẫu trên Cổng Dịch vụ công quốc gia') in page
    assert "(sang trang ngoài)" in page
    with client.get("/static/forms/mau-to-khai-dang-ky-khai-sinh.pdf") as form:
        assert form.status_code == 200 and form.data.startswith(b"%PDF")


def test_drafts_archived_and_unknown_services_are_a_friendly_404(client, catalogue):
    for code in ["9.000001", "9.000002", "khong-co", "a" * 40, "%00", "1.001193%20"]:
        response = client.get(f"/services/{code}")
        assert response.status_code == 404, code
        page = text_of(response)
        assert "Không tìm thấy trang" in page and 'href="/services"' in page, code


def test_list_shows_published_services_with_facet_counts(client, catalogue):
    page = text_of(client.get("/services"))
    assert "4 dịch vụ" in page
    assert "Thủ tục đang soạn thảo" not in page and "Thủ tục đã bãi bỏ" not in page
    facet = re.search(r'href="/services\?level=3"><span class="facet-name">([^<]+)</span> '
                      r'<span class="count">(\d+)</span>', page)
    assert facet and facet.groups() == ("Mức độ 3: nộp và xử lý hồ sơ trực tuyến", "1")
    assert re.search(r'href="/services\?agency=so-tu-phap"><span class="facet-name">Sở Tư pháp</span> '
                     r'<span class="count">2</span>', page)
    # Sorted by name when nothing is searched: "Cấp giấy..." before "Đăng ký..."
    assert page.index("Cấp giấy phép xây dựng") < page.index("Đăng ký kết hôn")


LIST_FILTERS = [
    ("level=4", ["Đăng ký thành lập doanh nghiệp"], ["Đăng ký kết hôn", "Đăng ký khai sinh"]),
    ("agency=so-tu-phap", ["Đăng ký kết hôn", "Đăng ký khai sinh"], ["doanh nghiệp tư nhân"]),
    ("field=dat-dai", ["Cấp giấy phép xây dựng"], ["Đăng ký khai sinh"]),
    ("tier=province", ["doanh nghiệp tư nhân"], ["Đăng ký khai sinh"]),
    ("audience=both", ["Cấp giấy phép xây dựng"], ["Đăng ký khai sinh"]),
    ("q=dang+ky+ket+hon", ["Đăng ký kết hôn"], ["Đăng ký khai sinh"]),
    ("level=3&agency=so-tu-phap", ["Đăng ký khai sinh"], ["Đăng ký kết hôn"]),
    ("level=&agency=&utm_source=zalo", ["Đăng ký khai sinh", "Đăng ký kết hôn"], []),
]


def test_list_filters(client, catalogue):
    for args, shown, hidden in LIST_FILTERS:
        response = client.get(f"/services?{args}")
        assert response.status_code == 200, args
        # words matching the query are highlighted: compare the text without the <mark> tags
        results = re.sub(r"</?mark>", "", text_of(response).split('class="results"', 1)[1])
        for name in shown:
            assert name in results, (args, name)
        for name in hidden:  # absent, or (a search matching most words) ranked below
            if "q=" in args and name in results:
                assert all(results.index(name) > results.index(s) for s in shown), (args, name)
            else:
                assert name not in results, (args, name)


def test_active_filter_can_be_removed_and_keeps_the_others(client, catalogue):
    page = text_of(client.get("/services?level=3&agency=so-tu-phap"))
    assert 'href="/services?agency=so-tu-phap">Mức độ 3: nộp và xử lý hồ sơ trực tuyến' in page
    assert 'href="/services?level=3">Sở Tư pháp' in page


BAD_LIST_PARAMETERS = [
    ("level=5", "Mức độ (level) phải là số nguyên từ 1 đến 4."),
    ("level=abc", "Mức độ (level) phải là số nguyên từ 1 đến 4."),
    ("agency=khong-co", "Không có cơ quan với mã “khong-co”."),
    ("field=x%00y", "Không có lĩnh vực với mã"),
    ("tier=village", "Cấp thực hiện (tier) phải là một trong"),
    ("audience=aliens", "Đối tượng (audience) phải là một trong"),
    ("page=0", "Số trang (page) phải là số nguyên từ 1 đến 10.000."),
    ("page=-1", "Số trang (page) phải là số nguyên từ 1 đến 10.000."),
    ("page=" + "9" * 30, "Số trang (page) phải là số nguyên từ 1 đến 10.000."),
    ("per_page=101", "Số mục mỗi trang (per_page) phải là số nguyên từ 1 đến 100."),
    ("sort=price", "Cách sắp xếp (sort) phải là một trong"),
    ("level=1&level=2", "Tham số “level” chỉ nhận một giá trị."),
    ("q=" + "a" * 201, "Từ khóa tìm kiếm dài quá 200 ký tự."),
]


def test_bad_list_parameters_get_a_vietnamese_400(client, catalogue):
    for args, message in BAD_LIST_PARAMETERS:
        response = client.get(f"/services?{args}")
        assert response.status_code == 400, args
        page = text_of(response)
        assert message in page, args
        assert 'role="alert"' in page and 'href="/services"' in page, args


def test_pagination_walks_the_whole_catalogue(client, make_service):
    for i in range(23):
        make_service(status="published", code=f"3.{i:03d}", name=f"Thủ tục số {i:02d}")
    first = text_of(client.get("/services"))
    assert "23 dịch vụ" in first and "Trang 1 / 2" in first
    assert 'rel="next" href="/services?page=2"' in first
    second = text_of(client.get("/services?page=2"))
    names = set(re.findall(r"Thủ tục số \d\d", first)) | set(re.findall(r"Thủ tục số \d\d", second))
    assert len(names) == 23
    assert 'rel="prev" href="/services"' in second
    past = client.get("/services?page=3")
    assert past.status_code == 200 and "Trang này không có dịch vụ nào" in text_of(past)


def test_sort_form_keeps_filters_and_newest_first(client, catalogue):
    page = text_of(client.get("/services?level=3&sort=newest"))
    assert '<input type="hidden" name="level" value="3">' in page
    assert '<option value="newest" selected>' in page


def test_agencies_page_shows_the_tree_with_counts(client, catalogue):
    page = text_of(client.get("/agencies"))
    province = page.index("Ủy ban nhân dân tỉnh Đắk Lắk")
    assert province < page.index("Sở Tư pháp") and province < page.index("Sở Kế hoạch và Đầu tư")
    # The province counts its departments' published services: 2 + 1.
    assert re.search(r"Ủy ban nhân dân tỉnh Đắk Lắk</a>\s*<span[^>]*>3 dịch vụ", page)


def test_agency_page_lists_its_services_and_units(client, catalogue):
    page = text_of(client.get("/agencies/so-tu-phap"))
    assert "<h1>Sở Tư pháp</h1>" in page
    assert 'href="/services/1.001193"' in page and 'href="/services/1.000894"' in page
    assert "Thủ tục đang soạn thảo" not in page
    assert 'href="/agencies/ubnd-tinh"' in page  # breadcrumb to the parent
    parent = text_of(client.get("/agencies/cap-huyen"))
    assert "Đơn vị trực thuộc" in parent and 'href="/agencies/ubnd-tp-buon-ma-thuot"' in parent
    assert client.get("/agencies/khong-co").status_code == 404


def test_sitemap_lists_public_pages_only(client, catalogue):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    xml = text_of(response)
    assert "<loc>http://localhost/services/1.001193</loc>" in xml
    assert "<loc>http://localhost/agencies/so-tu-phap</loc>" in xml
    assert "9.000001" not in xml and "9.000002" not in xml
    assert re.search(r"<lastmod>\d{4}-\d\d-\d\d</lastmod>", xml)
    # places and life events are pages people look for too
    assert "<loc>http://localhost/communes</loc>" in xml
    assert "<loc>http://localhost/life-events/co-con-nho</loc>" in xml
    robots = text_of(client.get("/robots.txt"))
    assert "Sitemap: http://localhost/sitemap.xml" in robots


def test_pages_use_only_local_assets_and_no_inline_code(client, catalogue):
    for url in ("/", "/services", "/services/1.001193", "/agencies", "/agencies/so-tu-phap", "/nope"):
        page = text_of(client.get(url))
        assert not re.search(r'(src|href)="(https?:)?//(?!localhost)[^"]+\.(css|js|woff2?)', page), url
        assert "style=" not in page and "onclick" not in page, url
        # Scripts only as the portal's own files, never inline code (a JSON-LD data block
        # is data, which browsers never run: it must parse as JSON).
        for tag, body in re.findall(r"(<script[^>]*>)(.*?)</script>", page, re.S):
            if tag == '<script type="application/ld+json">':
                assert json.loads(body)["@context"] == "https://schema.org", url
                continue
            assert re.search(r'src="/static/[\w.-]+\.js"', tag) and not body.strip(), url
        assert '<html lang="vi">' in page and 'class="skip-link" href="#main"' in page, url
        assert 'aria-label="Tài khoản"' in page  # where the sign-in link goes


def test_numbers_use_vietnamese_grouping(client, make_service):
    make_service(status="published", processing_days=1200, code="4.1")
    page = text_of(client.get("/services/4.1"))
    assert "1.200 ngày làm việc" in page


def test_agency_page_lists_services_in_vietnamese_order(client, make_service):
    for code, name in (("7.000001", "Tư vấn pháp luật"), ("7.000002", "Đăng ký giám hộ"),
                       ("7.000003", "ủy quyền công chứng"), ("7.000004", "Cấp bản sao trích lục"),
                       ("7.000005", "Chứng thực chữ ký")):
        make_service(status="published", code=code, name=name)
    page = text_of(client.get("/agencies/so-tu-phap"))
    names = ["Cấp bản sao trích lục", "Chứng thực chữ ký", "Đăng ký giám hộ", "Tư vấn pháp luật",
             "ủy quyền công chứng"]
    positions = [page.index(n) for n in names]
    # Đ among the d's (not after Z), a lower-case ủ among the u's (not after every capital).
    assert positions == sorted(positions)
