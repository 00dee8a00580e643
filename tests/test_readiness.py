"""Indicators 1.1, 1.2, 1.3 and 3.1 at their edges, written through the domain, and a
property test against a brute-force count over the revisions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select

from catalogue.clock import end_of_day, start_of_day
from catalogue.history import rebuild_superseded
from catalogue.models import Agency, Field, MonthlyChange, Revision, Service
from catalogue.operations import Actor, change_status, create_service
from catalogue.readiness import compute_readiness
from catalogue.validation import validate_service
from catalogue.vocabulary import VIETNAM_TZ
from catalogue.workdays import WorkCalendar
from portal.extensions import db
from tests.support import service_data, text_of

CALENDAR = WorkCalendar({})
AS_OF = date(2025, 12, 31)


def at_ten(day: date) -> datetime:
    """10:00 in Vietnam on ``day``, as aware UTC."""
    return datetime.combine(day, time(10), VIETNAM_TZ).astimezone(UTC)


@pytest.fixture
def publish(catalogue_refs: dict[str, Any]):
    """Create a service with a decision and an effective date, published on a given day."""
    codes = {a.code for a in catalogue_refs["agencies"]}
    fields = {f.code for f in catalogue_refs["fields"]}

    def make(code: str, *, decided: date | None, effective: date | None, published: date,
             agency: str = "so-tu-phap", **overrides: Any) -> Service:
        data = service_data(**{"code": code, "name": f"Thủ tục {code}", "agency": agency, "level": 4,
                               "online_kind": "full", **overrides})
        data["decision"] = {"number": f"{code}/QĐ-UBND", "date": decided.isoformat()} if decided else None
        data["effective_from"] = effective.isoformat() if effective else None
        clean = validate_service(data, agency_codes=codes, field_codes=fields)
        service = create_service(db.session, clean, Actor("test"))
        change_status(db.session, service, "published", Actor("test"), effective_at=at_ten(published),
                      check=False)
        db.session.commit()
        return service

    return make


def failing(result: Any, key: str) -> dict[str, str]:
    return {s.code: s.reason for s in result.shortfalls[key]}


def test_exactly_five_working_days(app, publish):
    # Decision Monday 10/11/2025; effective the next Monday: 5 working days before.
    publish("A", decided=date(2025, 11, 10), effective=date(2025, 11, 17), published=date(2025, 11, 17))
    # Decision Tuesday: only 4 working days before the Monday.
    publish("B", decided=date(2025, 11, 11), effective=date(2025, 11, 17), published=date(2025, 11, 18))
    # Published on the 6th working day after its decision.
    publish("C", decided=date(2025, 11, 10), effective=date(2025, 11, 17), published=date(2025, 11, 18))
    result = compute_readiness(db.session, AS_OF, CALENDAR)
    assert set(failing(result, "1.1")) == {"B"}
    assert "cách 4 ngày làm việc" in failing(result, "1.1")["B"]
    assert set(failing(result, "1.2")) == {"C"}
    assert "sau 6 ngày làm việc" in failing(result, "1.2")["C"]
    p = result.province
    assert (p.i11.met, p.i11.total, p.i12.met, p.i12.total) == (2, 3, 2, 3)


def test_across_tet(app, publish):
    # Friday 24/01/2025, then Tết Ất Tỵ (27/01 to 31/01 off, weekends around): Friday 07/02
    # is the 5th working day after; 14 calendar days.
    publish("T1", decided=date(2025, 1, 24), effective=date(2025, 2, 7), published=date(2025, 2, 7))
    publish("T2", decided=date(2025, 1, 24), effective=date(2025, 2, 6), published=date(2025, 2, 10))
    result = compute_readiness(db.session, AS_OF, CALENDAR)
    assert set(failing(result, "1.1")) == {"T2"}
    assert set(failing(result, "1.2")) == {"T2"}


def test_across_a_make_up_working_saturday(app, publish):
    # Thursday 24/04/2025; Saturday 26/04 was worked (for Friday 02/05 off): Monday 05/05
    # is the 5th working day, Tuesday 06/05 the 6th (5th if the Saturday were ignored).
    publish("S1", decided=date(2025, 4, 24), effective=date(2025, 5, 5), published=date(2025, 5, 5))
    publish("S2", decided=date(2025, 4, 24), effective=date(2025, 5, 6), published=date(2025, 5, 6))
    result = compute_readiness(db.session, AS_OF, CALENDAR)
    assert set(failing(result, "1.2")) == {"S2"}
    assert set(failing(result, "1.1")) == set()
    # Take the make-up Saturday away (an admin's entry wins): S2 is on time again.
    without = WorkCalendar({date(2025, 4, 26): "off"})
    assert set(failing(compute_readiness(db.session, AS_OF, without), "1.2")) == set()


def test_a_missing_decision_date_costs_the_point(app, publish):
    publish("M1", decided=None, effective=date(2025, 3, 3), published=date(2025, 3, 3))
    publish("M2", decided=date(2025, 2, 3), effective=None, published=date(2025, 2, 4))
    result = compute_readiness(db.session, AS_OF, CALENDAR)
    assert failing(result, "1.1") == {"M1": "Chưa ghi ngày quyết định công bố",
                                      "M2": "Chưa ghi ngày có hiệu lực"}
    assert failing(result, "1.2") == {"M1": "Chưa ghi ngày quyết định công bố"}


def test_a_first_publication_shorter_than_a_second_still_counts(app, catalogue_refs):
    # Published at 10:00:00.2 on Monday 10/11/2025, taken back to a draft 0.5 s later,
    # published again on Monday 24/11: first public on the 10th, within 5 working days of
    # its decision of that day; one taken back in the same microsecond never was public.
    agency = catalogue_refs["agencies"][0].id
    field = catalogue_refs["fields"][0].id
    first = at_ten(date(2025, 11, 10)) + timedelta(microseconds=200_000)
    again = at_ten(date(2025, 11, 24))
    for sid, back in ((1, first + timedelta(microseconds=500_000)), (2, first)):
        db.session.execute(insert(Service), [{
            "id": sid, "code": f"S{sid}", "name": f"Thủ tục {sid}", "level": 2, "agency_id": agency,
            "field_id": field, "tier": "province", "audience": "citizen", "status": "published",
            "version": 3}])
        db.session.execute(insert(Revision), [{
            "service_id": sid, "number": n, "version": n, "action": "update", "actor": "t",
            "recorded_at": at, "effective_at": at, "changes": {}, "snapshot": {}, "status": status,
            "level": 2, "agency_id": agency, "field_id": field, "tier": "province", "audience": "citizen",
            "online_kind": "none", "missing_parts": 0, "decision_date": date(2025, 11, 10),
        } for n, (at, status) in enumerate(((first, "published"), (back, "draft"), (again, "published")), 1)])
    rebuild_superseded(db.session)
    db.session.flush()
    result = compute_readiness(db.session, AS_OF, CALENDAR)
    assert result.province.services == 2
    assert set(failing(result, "1.2")) == {"S2"}
    assert "sau 10 ngày làm việc" in failing(result, "1.2")["S2"]


def test_completeness_and_online_kinds_by_agency(app, publish):
    d = date(2025, 6, 2)
    publish("K1", decided=d, effective=d, published=d, fees="")
    publish("K2", decided=d, effective=d, published=d, level=3, online_kind="partial",
            partial_reason="presence")
    publish("K3", decided=d, effective=d, published=d, level=3, online_kind="partial",
            partial_reason="technical", agency="so-ke-hoach-va-dau-tu")
    publish("K4", decided=d, effective=d, published=d, level=1, online_kind="none", online_url="",
            forms=[], agency="so-ke-hoach-va-dau-tu", legal_basis=[])
    result = compute_readiness(db.session, AS_OF, CALENDAR)
    p = result.province
    assert (p.i13.met, p.i13.total) == (2, 4)
    assert failing(result, "1.3") == {"K1": "Thiếu: phí, lệ phí", "K4": "Thiếu: căn cứ pháp lý"}
    assert (p.online.met, p.online.total) == (3, 4)
    # Eligible for toàn trình: K1 (full) and K3 (partial for a technical reason), not K2.
    assert (p.full.met, p.full.total) == (1, 2)
    # Means of 1.1, 1.2, 1.3, 3.1: Tư pháp (0 + 100 + 50 + 100) / 4, KH-ĐT (0 + 100 + 50 + 50) / 4.
    assert [a.figures.score for a in result.agencies] == [62.5, 50.0]
    ranked = [(a.code, a.rank) for a in result.agencies]
    assert ranked == [("so-tu-phap", 1), ("so-ke-hoach-va-dau-tu", 2)]
    # Before anything was published, there is nothing to count.
    early = compute_readiness(db.session, date(2025, 1, 1), CALENDAR)
    assert early.province.services == 0 and early.province.i11.percent is None


def test_page_api_and_downloads(client, publish):
    publish("-cmd", decided=date(2025, 11, 11), effective=date(2025, 11, 17), published=date(2025, 11, 18),
            name="=HYPERLINK(\"http://x\")")
    page = client.get("/statistics/index?as_of=2025-12-31")
    body = text_of(page)
    assert page.status_code == 200
    assert "Ngày làm việc được đếm theo: thư viện holidays" in body
    assert "/manage/services/-cmd/edit" in body
    assert "Xử lý hồ sơ" in body and "Thanh toán trực tuyến" in body
    assert client.get("/statistics/index?as_of=2025-02-30").status_code == 400
    assert client.get("/statistics/index?agency=khong-co").status_code == 404
    assert "/statistics/index" in text_of(client.get("/statistics"))

    api = client.get("/api/v1/statistics/index?as_of=2025-12-31").get_json()
    assert api["province"]["services"] == 1
    assert api["province"]["1.1"] == {"met": 0, "total": 1, "percent": 0.0}
    assert api["agencies"][0]["code"] == "so-tu-phap" and api["shortfalls"]["1.1"] == 1
    bad = client.get("/api/v1/statistics/index?as_of=x")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_as_of"

    csv = client.get("/statistics/index/download.csv?as_of=2025-12-31").get_data(as_text=True)
    assert "'-cmd" in csv and "'=HYPERLINK" in csv and ",=" not in csv and ",-cmd" not in csv
    from io import BytesIO

    from openpyxl import load_workbook

    xlsx = client.get("/statistics/index/download.xlsx?as_of=2025-12-31")
    book = load_workbook(BytesIO(xlsx.data))
    cells = [c for row in book["Thủ tục cần sửa"].iter_rows() for c in row if c.value == '=HYPERLINK("http://x")']
    assert cells and all(c.data_type == "s" for c in cells)


# ---------------------------------------------------------------- property

BASE = datetime(2024, 12, 20, tzinfo=UTC)
# Around Christmas and New Year 2025 (a holiday), days apart so that gaps of exactly 4, 5
# and 6 working days are common.
MOMENTS = st.builds(lambda d, h: BASE + timedelta(days=d, hours=h), st.integers(0, 16),
                    st.sampled_from([0, 3, 16, 17, 23]))
DAYS = st.builds(lambda d: date(2024, 12, 12) + timedelta(days=d), st.integers(0, 24))
REVISION = st.fixed_dictionaries({
    "status": st.sampled_from(["published", "published", "draft", "archived"]),
    "at": MOMENTS,
    "decided": st.none() | DAYS,
    "effective": st.none() | DAYS,
    "missing": st.sampled_from([0, 0, 1, 40]),
    "kind": st.sampled_from(["full", "partial", "none"]),
    "reason": st.sampled_from([None, "presence", "technical"]),
    "agency": st.integers(0, 1),
})
HISTORIES = st.lists(st.lists(REVISION, min_size=1, max_size=4), min_size=1, max_size=5)


def brute_force(histories: list[list[dict[str, Any]]], instant: datetime) -> dict[str, int]:
    """Replay: at an instant a service is in the state of its highest-numbered revision
    that took effect before it, public if published and its effective_from has begun;
    published first at the earliest instant it was public; working days counted one by one."""
    def state(history, x):
        taken = [r for r in history if r["at"] < x]
        return taken[-1] if taken else None

    def public(history, x):
        r = state(history, x)
        return r is not None and r["status"] == "published" and (
            r["effective"] is None or start_of_day(r["effective"]) < x)

    def days(a: date, b: date) -> int:
        sign = 1 if b >= a else -1
        lo, hi = min(a, b), max(a, b)
        return sign * sum(CALENDAR.is_working_day(lo + timedelta(days=i + 1)) for i in range((hi - lo).days))

    tally = dict.fromkeys(["n", "11", "12", "13", "online", "full", "eligible"], 0)
    tiny = timedelta(microseconds=1)
    for history in histories:
        if not public(history, instant):
            continue
        r = state(history, instant)
        candidates = sorted({h["at"] for h in history} | {start_of_day(h["effective"]) for h in history
                                                           if h["effective"]})
        first = next(c for c in candidates if public(history, c + tiny))
        first_day = first.astimezone(VIETNAM_TZ).date()
        tally["n"] += 1
        if r["decided"] and r["effective"] and days(r["decided"], r["effective"]) >= 5:
            tally["11"] += 1
        if r["decided"] and days(r["decided"], first_day) <= 5:
            tally["12"] += 1
        tally["13"] += r["missing"] == 0
        tally["online"] += r["kind"] != "none"
        tally["full"] += r["kind"] == "full"
        tally["eligible"] += r["kind"] == "full" or (r["kind"] == "partial" and r["reason"] != "presence")
    return tally


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=HISTORIES, as_of=st.builds(lambda d: date(2024, 12, 20) + timedelta(days=d),
                                              st.integers(0, 24)))
def test_indicators_equal_a_brute_force_count(app, catalogue_refs, histories, as_of):
    for table in (Revision, MonthlyChange, Service):
        db.session.execute(delete(table))
    agencies = [a.id for a in db.session.scalars(select(Agency).order_by(Agency.code)).all()[:2]]
    field_id = db.session.scalar(select(Field.id))
    rows = []
    for i, history in enumerate(histories, 1):
        if i % 2:  # the others are written out of date order, as an import of history is
            history.sort(key=lambda r: r["at"])
        db.session.execute(insert(Service), [{
            "id": i, "code": f"P{i}", "name": f"Thủ tục {i}", "level": 2, "agency_id": agencies[0],
            "field_id": field_id, "tier": "province", "audience": "citizen", "status": "draft",
            "version": 1}])
        for number, r in enumerate(history, 1):
            rows.append({
                "service_id": i, "number": number, "version": number, "action": "update", "actor": "h",
                "recorded_at": r["at"], "effective_at": r["at"], "changes": {}, "snapshot": {},
                "status": r["status"], "level": 2, "agency_id": agencies[r["agency"]], "field_id": field_id,
                "tier": "province", "audience": "citizen", "online_kind": r["kind"],
                "applies_from": start_of_day(r["effective"]), "missing_parts": r["missing"],
                "decision_date": r["decided"],
                "partial_reason": r["reason"] if r["kind"] == "partial" else None,
            })
        for r in history:
            if r["kind"] != "partial":
                r["reason"] = None
    db.session.execute(insert(Revision), rows)
    rebuild_superseded(db.session)
    db.session.flush()

    # Revisions are numbered in the order written: replay by number, not by date.
    def figures(f: Any) -> tuple[int, ...]:
        return f.services, f.i11.met, f.i12.met, f.i13.met, f.online.met, f.full.met, f.full.total

    def brute(day: date) -> tuple[int, ...]:
        expected = brute_force(histories, end_of_day(day))
        return tuple(expected[k] for k in ("n", "11", "12", "13", "online", "full", "eligible"))

    # The chart's days too: before, among and after the revisions.
    chart = [date(2024, 12, 19), date(2024, 12, 24), as_of, date(2025, 1, 20)]
    result = compute_readiness(db.session, as_of, CALENDAR, series_days=chart)
    assert figures(result.province) == brute(as_of)
    assert [(day, figures(f)) for day, f in result.series] == [(day, brute(day)) for day in chart]
    db.session.rollback()
