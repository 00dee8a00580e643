"""Upkeep: "Xác nhận đã rà soát" sets reviewed_at; entries not reviewed for the period are
listed for the agency; the public page shows both dates truthfully; files and the API
carry reviewed_at."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from catalogue.clock import today_vn
from catalogue.models import Service
from catalogue.transfer import export_catalogue
from portal.extensions import db
from tests.manage_support import csrf_of, sign_in

CODE = "1.001193"


def _service(code: str = CODE) -> Service:
    db.session.expire_all()
    return db.session.scalar(select(Service).where(Service.code == code))


def _age(code: str, year: int) -> None:
    service = _service(code)
    service.published_at = service.created_at = datetime(year, 1, 15, tzinfo=UTC)
    db.session.commit()


def test_confirming_an_entry_unchanged_sets_reviewed_at_and_the_public_page_shows_it(client, accounts,
                                                                                    make_service):
    make_service(status="published")
    public = client.application.test_client()
    page = public.get(f"/services/{CODE}").get_data(as_text=True)
    assert "cập nhật lần cuối" in page.lower() and "Rà soát lần cuối" not in page  # never claimed
    sign_in(client, "tuphap@daklak.gov.vn")
    token = csrf_of(client, f"/manage/services/{CODE}/edit")
    version = _service().version
    answer = client.post(f"/manage/services/{CODE}/reviewed", data={"csrf_token": token, "version": version})
    assert answer.status_code == 303
    service = _service()
    assert service.reviewed_at is not None and len(service.revisions) == 2  # no content revision
    today = today_vn().strftime("%d/%m/%Y")[:2]  # the page shows Vietnam's date
    page = public.get(f"/services/{CODE}").get_data(as_text=True)
    assert "Rà soát lần cuối: " in page and today in page.split("Rà soát lần cuối: ", 1)[1][:2]
    assert public.get(f"/api/v1/services/{CODE}").get_json()["reviewed_at"].endswith("+07:00")
    # Stale or without CSRF: refused, nothing changes.
    assert client.post(f"/manage/services/{CODE}/reviewed",
                       data={"csrf_token": token, "version": version}).status_code == 409
    assert client.post(f"/manage/services/{CODE}/reviewed",
                       data={"version": _service().version}).status_code == 400


def test_the_review_list_shows_the_agencys_entries_not_reviewed_for_twelve_months(client, accounts,
                                                                                  make_service):
    make_service(status="published")
    make_service(code="1.000894", name="Đăng ký kết hôn", status="published")
    make_service(code="2.000001", name="Thành lập doanh nghiệp", agency="so-ke-hoach-va-dau-tu",
                 field="thanh-lap-doanh-nghiep", status="published")
    _age(CODE, 2020)
    _age("2.000001", 2020)
    sign_in(client, "tuphap@daklak.gov.vn")
    page = client.get("/manage/review").get_data(as_text=True)
    assert "Đăng ký khai sinh" in page and "Đăng ký kết hôn" not in page
    assert "Thành lập doanh nghiệp" not in page  # another agency's
    token = csrf_of(client, "/manage/review")
    client.post(f"/manage/services/{CODE}/reviewed",
                data={"csrf_token": token, "version": _service().version})
    listed = client.get("/manage/review").get_data(as_text=True).split('class="review-list"', 1)[1]
    assert "Đăng ký khai sinh" not in listed
    admin = client.application.test_client()
    sign_in(admin, "admin@daklak.gov.vn")
    assert "Thành lập doanh nghiệp" in admin.get("/manage/review").get_data(as_text=True)


def test_publishing_counts_as_a_review(client, accounts, make_service):
    service = make_service(partial_reason="presence")  # publishable today (Decree 224/2026)
    sign_in(client, "tuphap@daklak.gov.vn")
    token = csrf_of(client, f"/manage/services/{CODE}/edit")
    client.post(f"/manage/services/{CODE}/publish", data={"csrf_token": token, "version": service.version})
    assert _service().status == "published" and _service().reviewed_at is not None


def test_export_and_import_carry_reviewed_at(runner, make_service, tmp_path):
    make_service(status="published")
    service = _service()
    service.reviewed_at = datetime(2025, 3, 4, 1, 2, 3, tzinfo=UTC)
    db.session.commit()
    path = tmp_path / "out.json"
    export_catalogue(db.session, path)
    record = json.loads(path.read_text(encoding="utf-8"))["services"][0]
    assert record["reviewed_at"] == "2025-03-04T08:02:03+07:00"
    record["reviewed_at"] = "2026-01-02T08:00:00+07:00"
    path.write_text(json.dumps(json.loads(path.read_text()) | {"services": [record]}), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert _service().reviewed_at == datetime(2026, 1, 2, 1, 0, tzinfo=UTC)
