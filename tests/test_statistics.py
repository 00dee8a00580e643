"""Statistics: exact counts at any date, the page, the report, the downloads and the API."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from catalogue.clock import today_vn
from catalogue.growth import compute_growth, count_monthly_changes, count_monthly_deltas
from catalogue.history import count_monthly_changes_from_history, rebuild_superseded
from catalogue.models import Revision
from catalogue.operations import Actor, change_status, content_of, find_service, update_service
from catalogue.statistics import compute_breakdown
from portal.extensions import db
from tests.support import service_data

AGENCIES = [
    {"code": "ubnd-tinh", "name": "Ủy ban nhân dân tỉnh Đắk Lắk", "parent": None},
    {"code": "so-tu-phap", "name": "Sở Tư pháp", "parent": "ubnd-tinh"},
    {"code": "so-ke-hoach-va-dau-tu", "name": "Sở Kế hoạch và Đầu tư", "parent": "ubnd-tinh"},
    {"code": "cap-huyen", "name": "Các huyện, thị xã, thành phố", "parent": None},
    {"code": "ubnd-tp-buon-ma-thuot", "name": "UBND thành phố Buôn Ma Thuột", "parent": "cap-huyen"},
    {"code": "ubnd-huyen-krong-ana", "name": "UBND huyện Krông Ana", "parent": "cap-huyen"},
]
FIELDS = [{"code": "ho-tich", "name": "Hộ tịch"}, {"code": "dat-dai", "name": "Đất đai"}]


def record(code: str, level: int, agency: str, published_at: str | None, status: str = "published",
           **extra: Any) -> dict[str, Any]:
    data = service_data(code=code, name=f"Thủ tục {code}", level=level, agency=agency, **extra)
    data.update(status=status, published_at=published_at)
    return data


@pytest.fixture
def history(runner: Any, tmp_path: Path) -> None:
    """A catalogue imported with its history, as the CLI brings one in.

    On 07/07/2011 (Vietnam time) it held: A (level 2), B (level 3), D (level 1), E (level 3,
    archived in 2012), G (published one second before midnight ICT of 07/07). C and F came later;
    H is a draft.
    """
    services = [
        record("A", 2, "so-tu-phap", "2010-03-01T09:00:00+07:00"),
        record("B", 3, "so-ke-hoach-va-dau-tu", "2011-02-10T09:00:00+07:00", field="dat-dai",
               tier="province", audience="business"),
        record("C", 3, "ubnd-tp-buon-ma-thuot", "2011-07-08T00:00:00+07:00", tier="district"),
        record("D", 1, "ubnd-huyen-krong-ana", "2011-01-05T09:00:00+07:00", tier="district",
               forms=[], online_url=None),
        record("E", 3, "ubnd-tp-buon-ma-thuot", "2010-11-20T09:00:00+07:00", status="archived",
               updated_at="2012-04-02T10:00:00+07:00", tier="district"),
        record("F", 2, "so-tu-phap", "2013-05-05T09:00:00+07:00"),
        record("G", 2, "ubnd-huyen-krong-ana", "2011-07-07T23:59:59+07:00", tier="district"),
        record("H", 3, "so-tu-phap", None, status="draft"),
    ]
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps({"agencies": AGENCIES, "fields": FIELDS, "services": services},
                               ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output


def test_counts_as_of_a_past_day_come_from_the_history(history: None) -> None:
    july = compute_breakdown(db.session, date(2011, 7, 7), agency_groups=["cap-huyen"])
    assert july.by_level == {1: 1, 2: 2, 3: 2, 4: 0}
    assert july.online_total == 4

    # C was published at midnight of 08/07 (Vietnam time): not yet on the 7th.
    assert compute_breakdown(db.session, date(2011, 7, 8)).online_total == 5
    # E was archived in April 2012; F published in 2013; H never.
    assert compute_breakdown(db.session, date(2012, 12, 31)).by_level == {1: 1, 2: 2, 3: 2, 4: 0}
    assert compute_breakdown(db.session, date.today()).by_level == {1: 1, 2: 3, 3: 2, 4: 0}
    # Before anything was published, and far in the future: answers, not errors.
    assert compute_breakdown(db.session, date(2000, 1, 1)).published_total == 0
    future = compute_breakdown(db.session, date(9999, 12, 31))
    # Decree 224/2026 counts toàn trình and một phần: the three level-2 services are neither.
    assert (future.scheme.code, future.online_total) == ("decree-224-2026", 2)
    assert sum(n for level, n in future.by_level.items() if level >= 2) == 5


def test_agency_tree_lists_departments_and_sums_districts(history: None) -> None:
    b = compute_breakdown(db.session, date(2011, 7, 7), agency_groups=["cap-huyen"])
    tree = [(r.label, r.count, r.online, r.depth, r.group) for r in b.agency_tree]
    assert tree == [
        ("Sở Kế hoạch và Đầu tư", 1, 1, 0, False),
        ("Sở Tư pháp", 1, 1, 0, False),
        ("Các huyện, thị xã, thành phố", 3, 2, 0, True),
        ("UBND huyện Krông Ana", 2, 1, 1, False),
        ("UBND thành phố Buôn Ma Thuột", 1, 1, 1, False),
    ]
    # by_agency counts each agency's own published services, at every level.
    own = {r.key: (r.count, r.online) for r in b.by_agency}
    assert own["ubnd-huyen-krong-ana"] == (2, 1)
    assert own["cap-huyen"] == (0, 0) and own["ubnd-tinh"] == (0, 0)


def test_district_group_comes_after_the_departments_wherever_it_hangs(history: None) -> None:
    """In the demo the districts' group hangs under the province's People's Committee."""
    from catalogue.models import Agency

    agencies = {a.code: a for a in db.session.scalars(select(Agency))}
    agencies["cap-huyen"].parent = agencies["ubnd-tinh"]
    agencies["ubnd-tinh"].name = "Ủy ban nhân dân tỉnh Đắk Lắk"
    db.session.add(Agency(code="ban-quan-ly", name="Ban Quản lý các khu công nghiệp",
                          parent=agencies["ubnd-tinh"]))
    db.session.commit()
    b = compute_breakdown(db.session, date(2011, 7, 7), agency_groups=["cap-huyen"])
    assert [r.key for r in b.agency_tree if r.depth == 0] == [
        "ban-quan-ly", "so-ke-hoach-va-dau-tu", "so-tu-phap", "cap-huyen"]


def test_level_change_counts_from_the_day_it_took_effect(history: None) -> None:
    service = find_service(db.session, "A")
    record = content_of(service)
    record["level"] = 3
    update_service(db.session, service, record, Actor("test"), expected_version=None,
                   effective_at=datetime(2011, 3, 1, 2, tzinfo=UTC))
    change_status(db.session, find_service(db.session, "B"), "archived", Actor("test"),
                  effective_at=datetime(2011, 5, 1, 2, tzinfo=UTC))
    db.session.commit()
    assert compute_breakdown(db.session, date(2011, 2, 28)).by_level == {1: 1, 2: 1, 3: 2, 4: 0}
    assert compute_breakdown(db.session, date(2011, 3, 1)).by_level == {1: 1, 2: 0, 3: 3, 4: 0}
    assert compute_breakdown(db.session, date(2011, 5, 1)).by_level == {1: 1, 2: 0, 3: 2, 4: 0}


def test_superseded_at_kept_on_write_equals_a_rebuild_from_history(history: None) -> None:
    kept = {(r.service_id, r.number): r.superseded_at for r in db.session.scalars(select(Revision))}
    assert any(v is not None for v in kept.values())
    monthly = count_monthly_changes(db.session)
    assert count_monthly_deltas(db.session) == count_monthly_changes_from_history(db.session)
    rebuild_superseded(db.session)
    db.session.expire_all()
    rebuilt = {(r.service_id, r.number): r.superseded_at for r in db.session.scalars(select(Revision))}
    assert rebuilt == kept
    assert count_monthly_changes(db.session) == monthly


def test_growth_counts_each_month_at_its_end(history: None) -> None:
    points = {p.month: p for p in compute_growth(db.session, date(2011, 7, 7))}
    assert list(points)[0] == "2010-03"
    assert points["2010-03"].by_level == {1: 0, 2: 1, 3: 0, 4: 0}
    assert points["2010-11"].online == 2
    assert points["2011-06"].by_level == {1: 1, 2: 1, 3: 2, 4: 0}
    assert points["2011-07"].day == date(2011, 7, 7) and points["2011-07"].online == 4
    assert max(points) == "2011-07"


# ---------------------------------------------------------------- API


def test_api_statistics_as_of(client: Any, history: None) -> None:
    response = client.get("/api/v1/statistics?as_of=2011-07-07")
    assert response.status_code == 200
    body = response.get_json()
    assert body["as_of"] == "2011-07-07"
    assert body["online_total"] == 4
    assert body["by_level"] == {"1": 1, "2": 2, "3": 2, "4": 0}
    assert body["by_tier"] == {"province": 1, "district": 3, "commune": 1}
    assert body["by_audience"] == {"citizen": 4, "business": 1, "both": 0}
    agencies = {a["code"]: a for a in body["by_agency"]}
    assert agencies["ubnd-huyen-krong-ana"] == {
        "code": "ubnd-huyen-krong-ana", "name": "UBND huyện Krông Ana", "count": 2, "online": 1,
        "parent": "cap-huyen"}
    assert {f["code"]: f["count"] for f in body["by_field"]} == {"ho-tich": 4, "dat-dai": 1}


def test_api_statistics_defaults_to_today(client: Any, history: None) -> None:
    body = client.get("/api/v1/statistics").get_json()
    # Today Decree 224/2026 counts: the two level-3 services (một phần), not level 2.
    assert (body["scheme"], body["online_total"]) == ("decree-224-2026", 2)
    assert body["by_online_kind"] == {"full": 0, "partial": 2, "none": 4}
    assert body["as_of"] == today_vn().isoformat()


@pytest.mark.parametrize("value", ["x", "2011-7-7", "20110707", "2011-02-30", "2011-W27-4", "0001-01-01"])
def test_api_statistics_refuses_bad_dates(client: Any, value: str) -> None:
    response = client.get("/api/v1/statistics", query_string={"as_of": value})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_as_of"
    assert "as_of" in error["message"] and "YYYY-MM-DD" in error["message"]


def test_api_statistics_answers_before_any_data_and_in_the_future(client: Any, history: None) -> None:
    assert client.get("/api/v1/statistics?as_of=1999-01-01").get_json()["online_total"] == 0
    assert client.get("/api/v1/statistics?as_of=9999-12-31").get_json()["online_total"] == 2


# ---------------------------------------------------------------- pages


def test_statistics_page_shows_counts_as_of_the_day(client: Any, history: None) -> None:
    response = client.get("/statistics?as_of=2011-07-07&from=2011-01-01&to=2011-06-30")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="online-total">4<' in html
    assert "Tính đến hết ngày 07/07/2011" in html
    assert "6 tháng đầu năm 2011" in html
    # Jan–Jun 2011: B arrived at level 3, D at level 1; nothing left.
    assert "<strong>+1</strong> dịch vụ mức độ 3" in html
    assert "Các huyện, thị xã, thành phố" in html
    assert '<svg viewBox="0 0 720 320" role="img"' in html
    assert "style=" not in html and "<script>" not in html


def test_statistics_page_refuses_a_bad_date_in_vietnamese(client: Any) -> None:
    response = client.get("/statistics?as_of=07/07/2011")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "không hợp lệ" in html and "YYYY-MM-DD" in html
    response = client.get("/statistics?from=2011-07-01&to=2011-01-01")
    assert response.status_code == 400
    assert "Ngày đầu kỳ" in response.get_data(as_text=True)


def test_statistics_page_with_an_empty_catalogue(client: Any) -> None:
    response = client.get("/statistics")
    assert response.status_code == 200
    assert "Chưa có dịch vụ nào được công bố" in response.get_data(as_text=True)


def test_numbers_use_vietnamese_format(client: Any) -> None:
    from bench.statistics_page import build_catalogue

    build_catalogue(db.session, 2500)
    db.session.commit()
    body = client.get("/api/v1/statistics").get_json()
    assert body["online_total"] > 1000
    html = client.get("/statistics").get_data(as_text=True)
    # Written out here, not with the portal's own formatter: 1234 -> "1.234", 92.31 -> "92,3 %".
    total = body["online_total"]
    assert f'id="online-total">{total // 1000}.{total % 1000:03d}<' in html
    share = round(1000 * total / body["published_total"])
    assert f'<span class="nowrap">{share // 10},{share % 10} %</span>' in html


def test_report_is_one_printable_page_for_the_period(client: Any, history: None) -> None:
    response = client.get("/statistics/report?from=2011-01-01&to=2011-06-30")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Báo cáo tình hình cung cấp dịch vụ công trực tuyến" in html
    assert "6 tháng đầu năm 2011" in html
    assert "Kỳ báo cáo: từ 01/01/2011 đến 30/06/2011" in html
    # At the end of June 2011: A (2), B (3), E (3) online.
    assert "cung cấp <strong>3</strong>" in html
    assert client.get("/statistics/report?from=2011-13-01").status_code == 400


# ---------------------------------------------------------------- downloads


def test_csv_download_has_bom_date_in_name_and_the_figures(client: Any, history: None) -> None:
    response = client.get("/statistics/download/theo-linh-vuc.csv?as_of=2011-07-07")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="thong-ke-theo-linh-vuc-2011-07-07.csv"'
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows == [["Lĩnh vực", "Số dịch vụ",
                     "Trực tuyến (mức độ 2 trở lên) – Nghị định 43/2011/NĐ-CP"],
                    ["Hộ tịch", "4", "3"], ["Đất đai", "1", "1"]]


def test_csv_of_agencies_keeps_districts_under_their_group(client: Any, history: None) -> None:
    data = client.get("/statistics/download/theo-co-quan.csv?as_of=2011-07-07").data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[3] == ["Các huyện, thị xã, thành phố", "3", "2"]
    assert rows[4][0].strip() == "UBND huyện Krông Ana" and rows[4][0].startswith(" ")


def test_excel_download_of_one_table_and_of_all(client: Any, history: None) -> None:
    response = client.get("/statistics/download/theo-muc-do.xlsx?as_of=2011-07-07")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('thong-ke-theo-muc-do-2011-07-07.xlsx"')
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert values[0] == ["Mức độ", "Số dịch vụ", "Tỷ lệ (%)"]
    assert values[3][:2] == ["Mức độ 3: nộp và xử lý hồ sơ trực tuyến", 2]

    response = client.get("/statistics/download/tat-ca.xlsx?as_of=2011-07-07&from=2011-01-01&to=2011-06-30")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert "Theo lĩnh vực" in book.sheetnames and "Biến động trong kỳ" in book.sheetnames


def test_unknown_download_is_404_and_bad_date_400(client: Any, history: None) -> None:
    assert client.get("/statistics/download/khong-co.csv").status_code == 404
    assert client.get("/statistics/download/theo-cap.pdf").status_code == 404
    assert client.get("/statistics/download/tat-ca.csv").status_code == 404
    assert client.get("/statistics/download/theo-cap.csv?as_of=hom-nay").status_code == 400


def test_home_page_headline_still_counts_online_services(client: Any, history: None) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "<strong>5</strong> dịch vụ công trực tuyến" in html
