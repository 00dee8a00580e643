"""GET /api/v1/statistics/series: published services month by month, as JSON and CSV,
from a catalogue imported with its history."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from catalogue.clock import month_key, today_vn
from tests.support import service_data

AGENCIES = [{"code": "so-tu-phap", "name": "Sở Tư pháp", "parent": None}]
FIELDS = [{"code": "ho-tich", "name": "Hộ tịch"}]


def _record(code: str, level: int, published_at: str, status: str = "published", **extra: Any) -> dict:
    data = service_data(code=code, name=f"Thủ tục {code}", level=level, **extra)
    data.update(status=status, published_at=published_at)
    if level < 2:
        data.update(forms=[], online_url=None)
    return data


@pytest.fixture
def history(runner, tmp_path) -> None:
    services = [
        _record("A", 2, "2010-03-01T09:00:00+07:00"),
        _record("E", 3, "2010-11-20T09:00:00+07:00", status="archived",
                updated_at="2012-04-02T10:00:00+07:00"),
        _record("B", 3, "2011-02-10T09:00:00+07:00"),
        _record("D", 1, "2011-02-28T23:59:59+07:00"),
    ]
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps({"agencies": AGENCIES, "fields": FIELDS, "services": services},
                               ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output


def test_months_count_at_their_last_day(client, history):
    body = client.get("/api/v1/statistics/series?from=2010-03&to=2012-05&by=month").get_json()
    assert (body["by"], body["from"], body["to"]) == ("month", "2010-03", "2012-05")
    points = {p["month"]: p for p in body["points"]}
    assert min(points) == "2010-03" and max(points) == "2012-05" and len(points) == 27
    assert points["2010-03"] == {"month": "2010-03", "day": "2010-03-31", "published_total": 1,
                                 "online_total": 1, "by_level": {"1": 0, "2": 1, "3": 0, "4": 0},
                                 "scheme": "decree-43-2011"}
    assert points["2010-11"]["by_level"] == {"1": 0, "2": 1, "3": 1, "4": 0}
    assert points["2011-02"]["published_total"] == 4 and points["2011-02"]["online_total"] == 3
    assert points["2012-03"]["published_total"] == 4
    assert points["2012-04"]["published_total"] == 3 and points["2012-04"]["by_level"]["3"] == 1


def test_the_default_range_runs_from_the_first_month_to_today(client, history):
    points = client.get("/api/v1/statistics/series").get_json()["points"]
    assert points[0]["month"] == "2010-03"
    assert points[-1]["month"] == month_key(today_vn()) and points[-1]["day"] == today_vn().isoformat()
    assert points[-1]["published_total"] == 3


def test_csv_by_parameter_or_accept_header(client, history):
    by_param = client.get("/api/v1/statistics/series?from=2011-01&to=2011-03&format=csv")
    by_accept = client.get("/api/v1/statistics/series?from=2011-01&to=2011-03",
                           headers={"Accept": "text/csv"})
    for response in (by_param, by_accept):
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert rows == [
            ["month", "day", "published_total", "online_total", "level_1", "level_2", "level_3", "level_4"],
            ["2011-01", "2011-01-31", "2", "2", "0", "1", "1", "0"],
            ["2011-02", "2011-02-28", "4", "3", "1", "1", "2", "0"],
            ["2011-03", "2011-03-31", "4", "3", "1", "1", "2", "0"],
        ]
    # The two representations of one URL have two validators.
    json_answer = client.get("/api/v1/statistics/series?from=2011-01&to=2011-03")
    assert json_answer.mimetype == "application/json"
    assert json_answer.headers["ETag"] != by_accept.headers["ETag"]


@pytest.mark.parametrize(("query", "words"), [
    ("from=2010-13", "YYYY-MM"), ("to=hom-nay", "YYYY-MM"), ("by=year", "by=month"),
    ("format=xml", "json hoặc csv"), ("from=2010-02", "trước tháng dịch vụ đầu tiên"),
    ("to=2999-01", "tương lai"), ("from=2012-01&to=2011-01", "phải trước"),
])
def test_bad_ranges_are_a_json_400(client, history, query, words):
    response = client.get(f"/api/v1/statistics/series?{query}")
    assert response.status_code == 400, query
    assert words in response.get_json()["error"]["message"], query


def test_an_empty_catalogue_has_no_points(client):
    body = client.get("/api/v1/statistics/series").get_json()
    assert body["points"] == []
