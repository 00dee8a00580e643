"""Property: every as-of count equals a brute-force count over the same history.

Hypothesis writes random histories through the domain operations (create, publish,
raise or lower the level, move to another agency, archive, restore, unpublish), each
change dated at a random instant around the end of June 2011, some at the same instant,
some exactly at midnight Vietnam time, some dated before changes written earlier (as an
import of history does). The brute force replays the recorded history in Python: on day
D a service is in the state of its highest-numbered change that took effect before the
end of D (Vietnam time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from catalogue.clock import end_of_day, month_end
from catalogue.growth import compute_growth, compute_period_change, count_monthly_deltas
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
from catalogue.statistics import compute_breakdown
from catalogue.validation import validate_service
from portal.extensions import db
from tests.support import service_data

BASE = datetime(2011, 6, 26, tzinfo=UTC)
# Changes fall between 26/06 and 05/07/2011 (crossing the end of June in Vietnam time),
# at a few times of day so that ties are common and midnight in Vietnam (17:00 UTC) is hit.
MOMENTS = st.builds(
    lambda days, clock: BASE + timedelta(days=days) + clock,
    st.integers(0, 9),
    st.sampled_from([timedelta(hours=17), timedelta(hours=17), timedelta(hours=16, minutes=59),
                     timedelta(hours=5), timedelta(hours=23, minutes=30)]),
)
DAYS = [date(2011, 6, 26) + timedelta(days=i) for i in range(12)]
AGENCIES = ["so-tu-phap", "so-ke-hoach-va-dau-tu", "ubnd-tp-buon-ma-thuot"]

EVENTS = st.one_of(
    st.tuples(st.just("status"), st.sampled_from(["published", "archived", "draft"]), MOMENTS),
    st.tuples(st.just("level"), st.integers(1, 4), MOMENTS),
    st.tuples(st.just("agency"), st.sampled_from(AGENCIES), MOMENTS),
)
HISTORY = st.lists(
    st.tuples(st.integers(1, 4), st.sampled_from(["province", "district", "commune"]),
              st.lists(EVENTS, max_size=6)),
    max_size=6,
)


@dataclass
class Change:
    """One revision as the test recorded it: its number, when it took effect, the state."""

    number: int
    effective_at: datetime
    status: str
    level: int
    agency: str
    tier: str


def write_history(history: list[Any]) -> list[list[Change]]:
    """Apply the generated history through the domain; return what was written."""
    actor = Actor("hypothesis")
    lookups = Lookups.load(db.session)
    agencies = {a.code for a in lookups.agencies.values()}
    fields = set(lookups.fields)
    written: list[list[Change]] = []
    for i, (level, tier, events) in enumerate(history):
        clean = validate_service(service_data(code=f"HX.{i}", level=level, tier=tier),
                                 agency_codes=agencies, field_codes=fields)
        service = create_service(db.session, clean, actor, lookups)
        first = db.session.scalars(
            select(Revision).where(Revision.service_id == service.id)).one()
        log = [Change(1, first.effective_at, "draft", level, "so-tu-phap", tier)]
        for kind, value, when in events:
            state = log[-1]
            if kind == "status":
                if (service.status, value) not in TRANSITIONS:
                    continue
                change_status(db.session, service, value, actor, effective_at=when)
                log.append(Change(state.number + 1, when, value, state.level, state.agency, tier))
            else:
                record = content_of(service)
                record[kind] = value
                if record == content_of(service):
                    continue
                update_service(db.session, service, record, actor, expected_version=None,
                               lookups=lookups, effective_at=when)
                log.append(Change(state.number + 1, when, state.status,
                                  value if kind == "level" else state.level,
                                  value if kind == "agency" else state.agency, tier))
        written.append(log)
    db.session.flush()
    return written


def state_on(log: list[Change], day: date) -> Change | None:
    """Brute force: the highest-numbered change that had taken effect by the end of ``day``."""
    end = end_of_day(day)
    effective = [c for c in log if c.effective_at < end]
    return max(effective, key=lambda c: c.number) if effective else None


def brute_published(logs: list[list[Change]], day: date) -> list[Change]:
    states = (state_on(log, day) for log in logs)
    return [s for s in states if s is not None and s.status == "published"]


def clear_services() -> None:
    for model in (Revision, ChangeLog, Service, MonthlyChange):
        db.session.execute(delete(model))
    db.session.flush()


def assert_breakdown_matches(logs: list[list[Change]], day: date) -> None:
    published = brute_published(logs, day)
    got = compute_breakdown(db.session, day, agency_groups=["cap-huyen"])
    assert got.by_level == {lv: sum(1 for s in published if s.level == lv) for lv in range(1, 5)}, day
    assert got.online_total == sum(1 for s in published if s.level >= 2)
    assert {r.key: r.count for r in got.by_agency if r.count} == {
        a: n for a in AGENCIES if (n := sum(1 for s in published if s.agency == a))}
    assert {r.key: r.count for r in got.by_tier} == {
        t: sum(1 for s in published if s.tier == t) for t in ("province", "district", "commune")}
    districts = next(r for r in got.agency_tree if r.key == "cap-huyen")
    assert districts.count == sum(1 for s in published if s.agency == "ubnd-tp-buon-ma-thuot")


@pytest.mark.slow
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=HISTORY, day=st.sampled_from(DAYS), period_start=st.sampled_from(DAYS))
def test_as_of_counts_equal_brute_force(catalogue_refs: Any, history: list[Any], day: date,
                                        period_start: date) -> None:
    clear_services()
    logs = write_history(history)

    for each_day in DAYS:
        assert_breakdown_matches(logs, each_day)

    # Month by month: each month's end, and the as-of day for its own month.
    for as_of in (day, DAYS[-1]):
        for point in compute_growth(db.session, as_of):
            expected_day = min(month_end(point.month), as_of)
            assert point.day == expected_day
            expected = brute_published(logs, expected_day)
            assert point.by_level == {lv: sum(1 for s in expected if s.level == lv)
                                      for lv in range(1, 5)}, point

    # The monthly counts kept on every write are exactly what the history says.
    assert count_monthly_deltas(db.session) == count_monthly_changes_from_history(db.session)

    start, end = sorted((period_start, day))
    change = compute_period_change(db.session, start, end)
    before = brute_published(logs, start - timedelta(days=1))
    after = brute_published(logs, end)
    for lv in range(1, 5):
        assert change.by_level[lv] == (sum(1 for s in after if s.level == lv)
                                       - sum(1 for s in before if s.level == lv))
