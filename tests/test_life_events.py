"""Life events: the data, the rule, the record's key on every surface, the pages and filters."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from catalogue.demo_life_events import events_for
from catalogue.life_events import vocabulary
from catalogue.validation import ValidationError, validate_service
from tests.support import service_data, text_of, write_json

CODES = {"so-tu-phap", "so-ke-hoach-va-dau-tu", "ubnd-tinh"}
FIELDS = {"ho-tich", "thanh-lap-doanh-nghiep", "dat-dai"}


def test_the_national_portals_groups_with_ascii_slugs():
    events = vocabulary().events
    assert len([e for e in events if e.audience == "citizen"]) == 11
    assert len([e for e in events if e.audience == "business"]) >= 10
    assert all(e.code.isascii() and e.code == e.code.lower() for e in events)
    names = {e.name for e in events}
    assert {"Có con nhỏ", "Người thân qua đời"} <= names
    assert [b.event for b in vocabulary().bundles] == ["co-con-nho", "nguoi-than-qua-doi"]


def test_each_code_must_exist_and_the_key_is_optional():
    clean = validate_service(service_data(life_events=["co-con-nho", "co-con-nho"]),
                             agency_codes=CODES, field_codes=FIELDS)
    assert clean["life_events"] == ["co-con-nho"]
    assert validate_service(service_data(), agency_codes=CODES, field_codes=FIELDS)["life_events"] == []
    with pytest.raises(ValidationError) as err:
        validate_service(service_data(life_events=["co-con-nho", "khong-co"]),
                         agency_codes=CODES, field_codes=FIELDS)
    assert err.value.errors[0].field == "life_events[1]" and "khong-co" in err.value.errors[0].message
    with pytest.raises(ValidationError):
        validate_service(service_data(life_events="co-con-nho"), agency_codes=CODES, field_codes=FIELDS)


def test_import_export_and_api_carry_the_key(runner, client, catalogue_refs, tmp_path):
    path = write_json(tmp_path, {"services": [service_data(status="published",
                                                           life_events=["co-con-nho"])]})
    assert runner.invoke(args=["import", str(path)]).exit_code == 0
    assert client.get("/api/v1/services/1.001193").get_json()["life_events"] == ["co-con-nho"]
    out = tmp_path / "out.csv"
    assert runner.invoke(args=["export", str(out)]).exit_code == 0
    row = next(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert row["life_events"] == "co-con-nho"
    bad = write_json(tmp_path, {"services": [service_data(life_events=["khong-co"])]}, "bad.json")
    result = runner.invoke(args=["import", str(bad)])
    assert result.exit_code == 1 and "khong-co" in result.output
    out_json = tmp_path / "out.json"
    runner.invoke(args=["export", str(out_json)])
    assert json.loads(out_json.read_text(encoding="utf-8"))["services"][0]["life_events"] == ["co-con-nho"]


def test_demo_rules_tag_by_name_and_audience():
    assert events_for("Thủ tục đăng ký khai sinh", "citizen") == ["co-con-nho"]
    assert "nguoi-than-qua-doi" in events_for("Thủ tục đăng ký khai tử", "citizen")
    assert events_for("Thủ tục đăng ký khai sinh", "business") == []
    assert "khoi-su-kinh-doanh" in events_for("Đăng ký thành lập doanh nghiệp tư nhân", "business")


@pytest.fixture
def tagged(make_service):
    make_service(status="published", life_events=["co-con-nho"])
    make_service(status="published", code="1.004222", name="Đăng ký thường trú", level=2,
                 online_url=None, life_events=["co-con-nho", "cu-tru-va-giay-to-tuy-than"])
    make_service(status="published", code="2.000639", name="Cấp thẻ bảo hiểm y tế", level=2,
                 online_url=None, tier="province", life_events=["co-con-nho", "suc-khoe-va-y-te"])
    make_service(status="published", code="1.000689",
                 name="Liên thông đăng ký khai sinh, cấp thẻ bảo hiểm y tế", level=2, online_url=None,
                 life_events=["co-con-nho"])
    make_service(status="published", code="1.000656", name="Thủ tục đăng ký khai tử", level=2,
                 online_url=None, life_events=["nguoi-than-qua-doi"])
    make_service(status="draft", code="9.000001", name="Đăng ký khai sinh (bản nháp)", level=2,
                 online_url=None, life_events=["co-con-nho"])


def test_an_event_lists_its_services_in_the_order_a_person_meets_them(client, tagged):
    page = text_of(client.get("/life-events/co-con-nho"))
    order = [page.index(n) for n in ('>Đăng ký khai sinh<', '>Liên thông đăng ký khai sinh',
                                     '>Đăng ký thường trú<', '>Cấp thẻ bảo hiểm y tế<')]
    assert order == sorted(order)
    assert "bản nháp" not in page and "4 thủ tục" in page
    assert client.get("/life-events/khong-co").status_code == 404
    listing = text_of(client.get("/life-events"))
    assert "Có con nhỏ" in listing and "Khởi sự kinh doanh" in listing


def test_bundles_are_step_by_step_pages(client, tagged):
    page = text_of(client.get("/life-events/co-con-nho/khai-sinh-thuong-tru-bhyt-tre-duoi-6-tuoi"))
    steps = [page.index(f"Bước {i}:") for i in (1, 2, 3)]
    assert steps == sorted(steps)
    assert page.index('href="/services/1.001193"') < page.index('href="/services/1.004222"') \
        < page.index('href="/services/2.000639"')
    death = text_of(client.get("/life-events/nguoi-than-qua-doi/khai-tu-xoa-thuong-tru-mai-tang-phi"))
    assert 'href="/services/1.000656"' in death and "chưa có trong danh mục" in death
    assert client.get("/life-events/co-con-nho/khai-tu-xoa-thuong-tru-mai-tang-phi").status_code == 404


def test_the_api_lists_events_with_their_services(client, tagged):
    body = client.get("/api/v1/life-events").get_json()["life_events"]
    child = next(e for e in body if e["code"] == "co-con-nho")
    assert child["services"][0] == "1.001193" and len(child["services"]) == 4
    assert child["bundles"][0]["url"].endswith(
        "/life-events/co-con-nho/khai-sinh-thuong-tru-bhyt-tre-duoi-6-tuoi")


def test_life_event_filters_and_counts_in_the_list_and_the_api(client, tagged):
    body = client.get("/api/v1/services?life_event=co-con-nho&per_page=100").get_json()
    assert body["total"] == 4
    assert body["facets"]["life_event"]["co-con-nho"] == 4
    everything = client.get("/api/v1/services").get_json()
    assert everything["facets"]["life_event"] == {"co-con-nho": 4, "cu-tru-va-giay-to-tuy-than": 1,
                                                  "suc-khoe-va-y-te": 1, "nguoi-than-qua-doi": 1}
    both = client.get("/api/v1/services?life_event=suc-khoe-va-y-te&q=bao+hiem").get_json()
    assert [i["code"] for i in both["items"]] == ["2.000639"]
    page = text_of(client.get("/services?life_event=nguoi-than-qua-doi"))
    assert "1 dịch vụ" in page and "Người thân qua đời" in page
    bad = client.get("/api/v1/services?life_event=khong-co")
    assert bad.status_code == 400 and "sự kiện cuộc sống" in bad.get_json()["error"]["message"]


def test_related_services_on_the_service_page(client, tagged):
    page = text_of(client.get("/services/1.004222"))
    assert "Dịch vụ liên quan" in page
    related = page[page.index("Dịch vụ liên quan"):]
    assert 'href="/services/1.001193"' in related and 'href="/life-events/co-con-nho"' in related


def test_an_editor_ticks_life_events_in_the_form(client, accounts):
    from sqlalchemy import select

    from catalogue.models import Service
    from portal.extensions import db
    from tests.manage_support import csrf_of, form_data, sign_in

    sign_in(client, "tuphap@daklak.gov.vn")
    page = text_of(client.get("/manage/services/new"))
    assert 'type="checkbox"' in page and 'value="co-con-nho"' in page and "Có con nhỏ (Công dân)" in page
    data = form_data(service_data(), csrf_of(client, "/manage/services/new"))
    data["life_events"] = ["co-con-nho", "suc-khoe-va-y-te"]
    assert client.post("/manage/services/new", data=data).status_code == 302
    service = db.session.scalar(select(Service).where(Service.code == "1.001193"))
    assert service.life_events == ["co-con-nho", "suc-khoe-va-y-te"]
    edit = text_of(client.get("/manage/services/1.001193/edit"))
    boxes = re.findall(r'<input[^>]*type="checkbox"[^>]*>', edit)
    assert sorted(re.search(r'value="([^"]+)"', b).group(1) for b in boxes if "checked" in b) == \
        ["co-con-nho", "suc-khoe-va-y-te"]
    data = form_data(service_data(code="1.000001"), csrf_of(client, "/manage/services/new"))
    data["life_events"] = ["khong-co"]
    refused = client.post("/manage/services/new", data=data)
    assert refused.status_code in (200, 400, 422)
    assert "không có sự kiện cuộc sống mã “khong-co”" in text_of(refused)


def test_search_knows_the_events_by_name(client, tagged):
    body = client.get("/api/v1/services?q=co+con+nho&per_page=100").get_json()
    assert "1.001193" in [i["code"] for i in body["items"]]  # "Đăng ký khai sinh": tagged, not named so
    assert "1.000656" not in [i["code"] for i in body["items"]]


def test_related_services_follow_each_change_at_once(client, tagged, make_service):
    """A service page's related services are kept between requests: a service published
    or archived since the last page is seen on the next one, with no wait."""
    def related() -> str:
        page = text_of(client.get("/services/1.004222"))
        return page[page.index("Dịch vụ liên quan"):]

    assert "/services/2.000639" in related()
    make_service(status="published", code="1.000001", name="Đăng ký khai sinh lưu động",
                 level=2, online_url=None, life_events=["co-con-nho"])
    assert 'href="/services/1.000001"' in related()
    make_service(status="archived", code="1.000002", name="Đăng ký khai sinh cho trẻ bị bỏ rơi",
                 level=2, online_url=None, life_events=["co-con-nho"])
    assert "/services/1.000002" not in related()
