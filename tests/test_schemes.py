"""Schemes through time: which decree counts "online" on a date, the API and page at each
boundary (the day before and the day of), and a brute-force oracle over random histories
that cross the boundaries and schedule services (effective_from, abolished_on)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from catalogue.clock import end_of_day, month_end
from catalogue.growth import compute_growth, count_monthly_deltas
from catalogue.history import count_monthly_changes_from_history
from catalogue.models import ChangeLog, MonthlyChange, Revision, Service
from catalogue.operations import (
    TRANSITIONS,
    Actor,
    Lookups,
    change_status,
    content_of,
    create_service,
    update_service,
)
from catalogue.schemes import comparable, scheme_on
from catalogue.statistics import compute_breakdown
from catalogue.validation import validate_service
from portal.extensions import db
from tests.support import service_data, text_of, write_json


@pytest.mark.parametrize(("day", "code"), [
    (date(2011, 7, 7), "decree-43-2011"), (date(2022, 7, 31), "decree-43-2011"),
    (date(2022, 8, 1), "decree-42-2022"), (date(2026, 6, 30), "decree-42-2022"),
    (date(2026, 7, 1), "decree-224-2026"), (date(1990, 1, 1), "decree-43-2011"),
])
def test_scheme_in_force_on_a_day(day: date, code: str) -> None:
    assert scheme_on(day).code == code


def test_only_the_first_break_changes_the_measure() -> None:
    assert not comparable(date(2022, 7, 31), date(2022, 8, 1))
    assert comparable(date(2026, 6, 30), date(2026, 7, 1))


# ---------------------------------------------------------------- API and page at boundaries

REFS = {
    "agencies": [{"code": "so-tu-phap", "name": "Sở Tư pháp", "parent": None}],
    "fields": [{"code": "ho-tich", "name": "Hộ tịch"}],
}


@pytest.fixture
def boundary_catalogue(app: Any, tmp_path: Any) -> None:
    """Three services published in 2011: level 2 (forms only), level 3 and level 4; on
    1/8/2022 the level-2 one becomes một phần, on 1/7/2026 the level-3 one toàn trình."""
    from catalogue.file_formats import read_catalogue
    from catalogue.transfer import import_catalogue

    published = "2011-03-01T08:00:00+07:00"
    services = [
        service_data(code="A", level=2, online_url=None, status="published",
                     published_at=published, tier="district"),
        service_data(code="B", level=3, status="published", published_at=published),
        service_data(code="C", level=4, status="published", published_at=published),
    ]
    import_catalogue(db.session, read_catalogue(write_json(tmp_path, {**REFS, "services": services})),
                     Actor("import"))
    lookups = Lookups.load(db.session)
    by_code = {s.code: s for s in db.session.scalars(select(Service))}
    moments = {"A": datetime(2022, 7, 31, 17, tzinfo=UTC),   # 00:00 on 1/8/2022 in Vietnam
               "B": datetime(2026, 6, 30, 17, tzinfo=UTC)}   # 00:00 on 1/7/2026 in Vietnam
    changes = {"A": {"online_kind": "partial", "partial_reason": None, "tier": "commune",
                     "online_url": "https://dichvucong.daklak.gov.vn/a"},
               "B": {"level": 4, "online_kind": "full"}}
    for code, change in changes.items():
        record = {**content_of(by_code[code]), **change}
        update_service(db.session, by_code[code], record, Actor("review"), expected_version=None,
                       lookups=lookups, effective_at=moments[code])
    db.session.commit()


@pytest.mark.parametrize(("as_of", "scheme", "online", "kinds"), [
    ("2022-07-31", "decree-43-2011", 3, None),
    ("2022-08-01", "decree-42-2022", 3, {"full": 1, "partial": 2, "none": 0}),
    ("2026-06-30", "decree-42-2022", 3, {"full": 1, "partial": 2, "none": 0}),
    ("2026-07-01", "decree-224-2026", 3, {"full": 2, "partial": 1, "none": 0}),
])
def test_api_counts_in_the_scheme_of_the_day(client: Any, boundary_catalogue: None, as_of: str,
                                             scheme: str, online: int, kinds: Any) -> None:
    body = client.get(f"/api/v1/statistics?as_of={as_of}").get_json()
    assert body["scheme"] == scheme
    assert body["online_total"] == online
    assert body.get("by_online_kind") == kinds
    assert sum(body["by_level"].values()) == 3


def test_a_level_two_service_counts_under_decree_43_and_not_after(client: Any, app: Any,
                                                                  tmp_path: Any) -> None:
    from catalogue.file_formats import read_catalogue
    from catalogue.transfer import import_catalogue

    services = [service_data(code="F", level=2, online_url=None, status="published",
                             published_at="2020-01-01T08:00:00+07:00")]
    import_catalogue(db.session, read_catalogue(write_json(tmp_path, {**REFS, "services": services})),
                     Actor("import"))
    db.session.commit()
    before = client.get("/api/v1/statistics?as_of=2022-07-31").get_json()
    after = client.get("/api/v1/statistics?as_of=2022-08-01").get_json()
    assert (before["online_total"], after["online_total"]) == (1, 0)
    assert after["by_online_kind"] == {"full": 0, "partial": 0, "none": 1}


def test_page_names_the_decree_and_explains_each_kind(client: Any, boundary_catalogue: None) -> None:
    old = text_of(client.get("/statistics?as_of=2022-07-31"))
    assert "được đếm theo <strong>Nghị định 43/2011/NĐ-CP</strong>" in old
    assert "Mức độ 2: tải mẫu đơn" in old
    new = text_of(client.get("/statistics?as_of=2023-06-30"))
    assert "được đếm theo <strong>Nghị định 42/2022/NĐ-CP</strong>" in new
    for line in ("Làm toàn bộ trên mạng", "có bước phải đến cơ quan", "Chưa làm được trên mạng"):
        assert line in new
    assert 'id="bang-theo-hinh-thuc"' in new
    today = text_of(client.get("/statistics"))
    assert "Nghị định 224/2026/NĐ-CP" in today


def test_growth_shows_the_break_instead_of_joining_two_measures(client: Any,
                                                                boundary_catalogue: None) -> None:
    html = text_of(client.get("/statistics?as_of=2023-06-30"))
    assert html.count('class="scheme-break"') == 1
    assert "08/2022: Nghị định 42/2022/NĐ-CP" in html
    assert html.count('<polyline class="outline"') == 2  # two lines, not one across the break
    # Across the break, the period change does not subtract two measures.
    crossing = text_of(client.get("/statistics?as_of=2023-06-30&from=2022-01-01&to=2023-06-30"))
    assert "hai cách đếm khác nhau nên không tính tăng, giảm" in crossing


def test_exports_carry_the_scheme(client: Any, boundary_catalogue: None) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    data = client.get("/statistics/download/tang-truong.csv?as_of=2023-06-30").data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][-1] == "Cách tính"
    by_month = {r[0]: r for r in rows[1:]}
    assert by_month["07/2022"][-1] == "Nghị định 43/2011/NĐ-CP"
    assert by_month["08/2022"][-1] == "Nghị định 42/2022/NĐ-CP"
    tier = list(csv.reader(io.StringIO(client.get(
        "/statistics/download/theo-cap.csv?as_of=2023-06-30").data.decode("utf-8-sig"))))
    assert "Nghị định 42/2022/NĐ-CP" in tier[0][2]
    book = load_workbook(io.BytesIO(client.get(
        "/statistics/download/theo-cap.xlsx?as_of=2011-07-07").data))
    assert "cách tính: Nghị định 43/2011/NĐ-CP" in book.active["B2"].value


# ---------------------------------------------------------------- brute-force oracle

BASES = [datetime(2022, 7, 28, tzinfo=UTC), datetime(2026, 6, 27, tzinfo=UTC)]
MOMENTS = st.builds(
    lambda base, days, clock: base + timedelta(days=days) + clock,
    st.sampled_from(BASES), st.integers(0, 7),
    st.sampled_from([timedelta(hours=17), timedelta(hours=16, minutes=59), timedelta(hours=5)]),
)
WINDOW_DAYS = st.one_of(st.none(), st.builds(
    lambda base, n: (base + timedelta(days=n)).date().isoformat(),
    st.sampled_from(BASES), st.integers(0, 8)))
DAYS = [(b + timedelta(days=i)).date() for b in BASES for i in range(9)]
EVENTS = st.one_of(
    st.tuples(st.just("status"), st.sampled_from(["published", "archived", "draft"]), MOMENTS),
    st.tuples(st.just("level"), st.integers(1, 3), MOMENTS),
    st.tuples(st.just("online_kind"), st.sampled_from(["partial", "none"]), MOMENTS),
    st.tuples(st.just("window"), st.tuples(WINDOW_DAYS, WINDOW_DAYS), MOMENTS),
)
HISTORY = st.lists(st.tuples(st.integers(1, 3), st.lists(EVENTS, max_size=6)), max_size=5)


@dataclass
class Change:
    number: int
    effective_at: datetime
    status: str
    level: int
    kind: str
    effective_from: str | None
    abolished_on: str | None


def _write(history: list[Any]) -> list[list[Change]]:
    actor = Actor("hypothesis")
    lookups = Lookups.load(db.session)
    logs = []
    for i, (level, events) in enumerate(history):
        clean = validate_service(service_data(code=f"SX.{i}", level=level),
                                 agency_codes=set(lookups.agencies), field_codes=set(lookups.fields))
        service = create_service(db.session, clean, actor, lookups)
        first = db.session.scalars(select(Revision).where(Revision.service_id == service.id)).one()
        log = [Change(1, first.effective_at, "draft", level, clean["online_kind"], None, None)]
        for what, value, when in events:
            last = log[-1]
            if what == "status":
                if (service.status, value) not in TRANSITIONS:
                    continue
                change_status(db.session, service, value, actor, effective_at=when, check=False)
                log.append(Change(last.number + 1, when, value, last.level, last.kind,
                                  last.effective_from, last.abolished_on))
                continue
            record = content_of(service)
            if what == "window":
                start, end = value
                if start and end and end <= start:
                    start, end = end, None if end == start else start
                record["effective_from"], record["abolished_on"] = start, end
            else:
                record[what] = value
            if record == content_of(service):
                continue
            update_service(db.session, service, record, actor, expected_version=None,
                           lookups=lookups, effective_at=when)
            log.append(Change(last.number + 1, when, last.status, record["level"],
                              record["online_kind"], record["effective_from"],
                              record["abolished_on"]))
        logs.append(log)
    db.session.flush()
    return logs


def _counted(logs: list[list[Change]], day: date) -> list[Change]:
    """Brute force: the highest-numbered change in effect by the end of ``day``, if it is
    published and the service applies that day (effective_from <= day < abolished_on)."""
    found = []
    for log in logs:
        effective = [c for c in log if c.effective_at < end_of_day(day)]
        if not effective:
            continue
        state = max(effective, key=lambda c: c.number)
        if state.status != "published":
            continue
        if state.effective_from and date.fromisoformat(state.effective_from) > day:
            continue
        if state.abolished_on and date.fromisoformat(state.abolished_on) <= day:
            continue
        found.append(state)
    return found


@pytest.mark.slow
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=HISTORY, as_of=st.sampled_from(DAYS))
def test_counts_in_every_scheme_equal_brute_force(catalogue_refs: Any, history: list[Any],
                                                  as_of: date) -> None:
    for model in (Revision, ChangeLog, Service, MonthlyChange):
        db.session.execute(delete(model))
    logs = _write(history)
    for day in DAYS:
        counted = _counted(logs, day)
        got = compute_breakdown(db.session, day)
        assert got.scheme == scheme_on(day)
        assert got.by_level == {lv: sum(1 for s in counted if s.level == lv) for lv in range(1, 5)}
        kinds = {k: sum(1 for s in counted if s.kind == k) for k in ("full", "partial", "none")}
        assert got.by_online_kind == kinds, day
        expected_online = (kinds["full"] + kinds["partial"]) if got.scheme.by_kind \
            else sum(1 for s in counted if s.level >= 2)
        assert got.online_total == expected_online
    for point in compute_growth(db.session, as_of):
        day = min(month_end(point.month), as_of)
        counted = _counted(logs, day)
        assert point.by_kind == {k: sum(1 for s in counted if s.kind == k)
                                 for k in ("full", "partial", "none")}, point
        assert point.by_level == {lv: sum(1 for s in counted if s.level == lv) for lv in range(1, 5)}
    assert count_monthly_deltas(db.session) == count_monthly_changes_from_history(db.session)
