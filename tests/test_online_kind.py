"""The record keys of the second edition about online services and dates: online_kind,
partial_reason, decision, effective_from, abolished_on. One rule set (validation),
carried by import, export, CSV, the API's full record and the editing form."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from catalogue.file_formats import read_catalogue, write_csv
from catalogue.models import Revision, Service
from catalogue.operations import Actor, change_status, record_of
from catalogue.transfer import export_catalogue, import_catalogue
from catalogue.validation import ValidationError, validate_service
from portal.extensions import db
from tests.manage_support import TOKEN, form_data, sign_in
from tests.support import service_data, write_json

AGENCIES = {"so-tu-phap"}
FIELDS = {"ho-tich"}
REFS = {
    "agencies": [{"code": "so-tu-phap", "name": "Sở Tư pháp", "parent": None}],
    "fields": [{"code": "ho-tich", "name": "Hộ tịch"}],
}


def check(published_on: date | None = None, **overrides):
    return validate_service(service_data(**overrides), agency_codes=AGENCIES, field_codes=FIELDS,
                            published_on=published_on)


def errors(published_on: date | None = None, **overrides) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        check(published_on, **overrides)
    return exc.value.by_field()


@pytest.mark.parametrize(("level", "kind"), [(1, "none"), (2, "none"), (3, "partial"), (4, "full")])
def test_a_first_edition_record_gets_the_kind_its_level_meant(level, kind):
    forms = [] if level == 1 else service_data()["forms"]
    clean = check(level=level, forms=forms)
    assert clean["online_kind"] == kind
    assert clean["partial_reason"] is None and clean["decision"] is None
    assert clean["effective_from"] is None and clean["abolished_on"] is None


def test_level_four_and_full_go_together():
    assert "online_kind" in errors(level=4, online_kind="partial", partial_reason="technical")
    assert "toàn trình" in errors(level=3, online_kind="full")["online_kind"][0]
    assert check(level=4, online_kind="full")["online_kind"] == "full"


def test_unknown_kind_and_reason_are_refused_in_vietnamese():
    found = errors(online_kind="mot-phan", partial_reason="lazy")
    assert "Hình thức trực tuyến" in found["online_kind"][0]
    assert "presence" in found["partial_reason"][0]
    assert "một phần" in errors(level=4, online_kind="full", partial_reason="presence")[
        "partial_reason"][0]


def test_partial_published_from_july_2026_needs_a_reason():
    before, since = date(2026, 6, 30), date(2026, 7, 1)
    assert check(before, online_kind="partial")["partial_reason"] is None
    assert "224/2026" in errors(since, online_kind="partial")["partial_reason"][0]
    assert check(since, online_kind="partial", partial_reason="verification")[
        "partial_reason"] == "verification"
    # A draft is not published: no reason asked yet.
    assert check(None, online_kind="partial")["online_kind"] == "partial"


def test_district_tier_is_refused_from_two_tier_government():
    assert check(date(2025, 6, 30), tier="district")["tier"] == "district"
    assert "cấp huyện" in errors(date(2025, 7, 1), tier="district")["tier"][0]
    # Scheduled to apply after the reform: the day it becomes public counts.
    assert "tier" in errors(date(2025, 6, 1), tier="district", effective_from="2025-07-01")


def test_dates_must_be_dates_in_order():
    assert "YYYY-MM-DD" in errors(effective_from="01/07/2026")["effective_from"][0]
    assert "abolished_on" in errors(effective_from="2026-07-01", abolished_on="2026-07-01")
    assert "abolished_on" in errors(effective_from="2026-07-01", abolished_on="2026-02-30")
    clean = check(effective_from="2026-07-01", abolished_on="2027-01-01",
                  decision={"number": "1234/QĐ-UBND", "date": "2026-06-15"})
    assert clean["decision"] == {"number": "1234/QĐ-UBND", "date": "2026-06-15"}
    assert "decision" in errors(decision={"number": "", "date": "2026-13-01"})
    assert "decision" in errors(decision="1234/QĐ-UBND")


def test_publishing_today_a_partial_service_without_reason_is_refused(make_service):
    service = make_service(online_kind="partial")
    with pytest.raises(ValidationError, match="224/2026"):
        change_status(db.session, service, "published", Actor("test"))
    db.session.rollback()
    service = db.session.scalar(select(Service))
    assert service.status == "draft"


def _import(tmp_path, services):
    path = write_json(tmp_path, {**REFS, "services": services})
    report = import_catalogue(db.session, read_catalogue(path), Actor("import"))
    db.session.commit()
    return report


def test_new_keys_travel_through_json_export_and_import(app, tmp_path):
    record = service_data(level=4, online_kind="full", status="published",
                          published_at="2026-08-01T08:00:00+07:00",
                          decision={"number": "1234/QĐ-UBND", "date": "2026-07-20"},
                          effective_from="2026-08-01", abolished_on="2030-01-01")
    _import(tmp_path, [record, service_data(code="1.000001", level=3, online_kind="partial",
                                            partial_reason="presence", status="published")])
    out = tmp_path / "out.json"
    export_catalogue(db.session, out)
    exported = json.loads(out.read_text(encoding="utf-8"))["services"]
    first = next(s for s in exported if s["code"] == "1.001193")
    assert first["online_kind"] == "full" and first["partial_reason"] is None
    assert first["decision"] == {"number": "1234/QĐ-UBND", "date": "2026-07-20"}
    assert (first["effective_from"], first["abolished_on"]) == ("2026-08-01", "2030-01-01")
    service = db.session.scalar(select(Service).where(Service.code == "1.001193"))
    assert service.decision_date == date(2026, 7, 20)
    # The revision state carries the kind, so the as-of counts can count it.
    kinds = {r.online_kind for r in db.session.scalars(select(Revision))}
    assert kinds == {"full", "partial"}


def test_a_first_edition_file_imports_with_defaults(app, tmp_path):
    old = {k: v for k, v in service_data(status="published").items()}
    _import(tmp_path, [old, service_data(code="2.1", level=4, status="published",
                                         published_at="2011-07-07T08:00:00+07:00")])
    by_code = {s.code: s for s in db.session.scalars(select(Service))}
    assert by_code["1.001193"].online_kind == "partial"
    assert by_code["1.001193"].partial_reason is None
    assert by_code["2.1"].online_kind == "full"


def test_csv_carries_the_new_columns_both_ways(app, tmp_path):
    record = {**service_data(level=3, online_kind="partial", partial_reason="technical",
                             decision={"number": "99/QĐ-UBND", "date": "2026-07-01"},
                             effective_from="2026-07-01"),
              "abolished_on": None, "status": "draft", "published_at": None, "updated_at": None}
    out = io.StringIO()
    write_csv([record], out)
    header = next(csv.reader(io.StringIO(out.getvalue())))
    for key in ("online_kind", "partial_reason", "decision", "effective_from", "abolished_on"):
        assert key in header
    path = tmp_path / "services.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    ((_, back),) = list(read_catalogue(path).services)
    clean = validate_service(back, agency_codes=AGENCIES, field_codes=FIELDS)
    assert clean["decision"] == {"number": "99/QĐ-UBND", "date": "2026-07-01"}
    assert (clean["online_kind"], clean["partial_reason"]) == ("partial", "technical")
    assert clean["effective_from"] == "2026-07-01" and clean["abolished_on"] is None


def test_the_api_full_record_has_every_new_key(client, make_service):
    make_service(status="published", level=4, online_kind="full")
    body = client.get("/api/v1/services/1.001193").get_json()
    for key in ("online_kind", "partial_reason", "decision", "effective_from", "abolished_on"):
        assert key in body
    assert body["online_kind"] == "full" and body["decision"] is None


def test_the_summary_box_says_the_online_kind_in_force_before_the_old_level(client, make_service):
    from datetime import datetime

    from catalogue.clock import VIETNAM_TZ as VN
    from catalogue.clock import frozen_at

    make_service(status="published", level=4, online_kind="full")
    with frozen_at(datetime(2026, 12, 2, 9, tzinfo=VN)):
        box = _summary_box(client.get("/services/1.001193").get_data(as_text=True))
    assert "Dịch vụ công trực tuyến: toàn trình" in box and "Nghị định 224/2026/NĐ-CP" in box
    assert box.index("toàn trình") < box.index("Mức độ 4")  # the old level comes second
    with frozen_at(datetime(2021, 6, 1, 9, tzinfo=VN)):  # Decree 43 alone was in force
        box = _summary_box(client.get("/services/1.001193").get_data(as_text=True))
    assert "Mức độ 4" in box and "toàn trình" not in box


def _summary_box(html: str) -> str:
    return html[html.index('id="tom-tat"'):html.index("</section>", html.index('id="tom-tat"'))]


def test_the_editing_form_saves_the_new_keys(client, accounts, make_service):
    service = make_service()
    sign_in(client, "tuphap@daklak.gov.vn")
    page = client.get("/manage/services/1.001193/edit")
    html = page.get_data(as_text=True)
    assert 'name="online_kind"' in html and 'name="decision-number"' in html
    token = TOKEN.search(html).group(1)
    record = service_data(online_kind="partial", partial_reason="verification",
                          decision={"number": "12/QĐ-UBND", "date": "2026-07-02"},
                          effective_from="2026-07-03")
    answer = client.post("/manage/services/1.001193/edit",
                         data=form_data(record, token, service.version))
    assert answer.status_code == 302
    db.session.expire_all()
    saved = record_of(db.session.scalar(select(Service)))
    assert saved["partial_reason"] == "verification"
    assert saved["decision"] == {"number": "12/QĐ-UBND", "date": "2026-07-02"}
    assert saved["effective_from"] == "2026-07-03"
    bad = client.post("/manage/services/1.001193/edit", data=form_data(
        service_data(level=4, online_kind="partial"), token, service.version + 1))
    assert bad.status_code == 422
    assert re.search("mức độ 4 là dịch vụ công trực tuyến toàn trình", bad.get_data(as_text=True))
