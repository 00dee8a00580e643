"""Counts of what the catalogue offers, today or on any past date, exactly.

Every figure is derived from the revision history, never from stored snapshots: each
revision holds the state of its service after a change (status, level, agency, field,
tier, audience) and ``effective_at``, when the change took effect.

What "the state of a service at instant T" means: among the revisions that had taken
effect by T (``effective_at`` < T), the one with the highest ``number``. Revisions are
numbered in the order they were written; for edits made in the portal that is also the
order of ``effective_at``. For history brought in by import it is not: the ``create``
revision is written (and takes effect) today while the ``publish`` revision that follows
it takes effect on the file's ``published_at`` years earlier. Taking the highest number
among the effective ones gives the right answer in both cases: in 2011 only the publish
revision had taken effect; today the later-numbered one wins.

Equivalently each revision is the state of its service during an interval
``[effective_at, superseded_at)``, where ``superseded_at`` is the earliest
``effective_at`` of the revisions numbered after it (empty when a later-written revision
took effect no later). ``superseded_at`` is kept on the revision when each later one is
written (:func:`close_superseded`), so an as-of count is one scan of a covering index,
on SQLite and PostgreSQL alike, with no window over the whole history per request.

The month-by-month growth is the running sum of the net change of published services
per month and level, which the same function keeps in ``statistics_month`` as it moves
the intervals: a table of a few hundred rows, in the same transaction as the revision,
and rebuildable from the revisions alone (:func:`rebuild_superseded`; the property test
checks the two agree). Month ends (the day before a period that starts on the 1st) are
read from it too; every other day is counted from the revisions.

A day ends at midnight Vietnam time (UTC+7): ``as_of=2011-07-07`` counts what had taken
effect before 2011-07-08 00:00 ICT.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, delete, func, insert, or_, select, union_all, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import FunctionElement

from .models import Agency, Audience, Field, Level, MonthlyChange, Revision, Service, Status, Tier
from .text import fold
from .vocabulary import VIETNAM_TZ

LEVELS = tuple(int(level) for level in Level)
TIERS = tuple(t.value for t in Tier)
AUDIENCES = tuple(a.value for a in Audience)
ONLINE_MIN_LEVEL = Level.FORMS  # level 2 and above is what the province reports as "online"

# The latest instant a naive UTC column can hold: answers for 9999-12-31 stay defined.
_LAST_INSTANT = datetime(9999, 12, 31, 16, 59, 59, tzinfo=UTC)


# ---------------------------------------------------------------- current state (home page)


def count_by_level(session: Session) -> dict[int, int]:
    """Published services by level now, every level present (zeros included).

    Reads the service rows (their state is the latest revision's): the home page asks
    on every request and needs no history.
    """
    rows = session.execute(
        select(Service.level, func.count())
        .where(Service.status == Status.PUBLISHED)
        .group_by(Service.level)
    )
    counts = dict.fromkeys(LEVELS, 0)
    counts.update({level: n for level, n in rows})
    return counts


def online_total(session: Session, by_level: dict[int, int] | None = None) -> int:
    """Published services at level 2 or above: the figure the province reports (from
    ``by_level`` when the caller already counted by level)."""
    counts = by_level if by_level is not None else count_by_level(session)
    return sum(n for level, n in counts.items() if level >= ONLINE_MIN_LEVEL)


# ---------------------------------------------------------------- time helpers


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` in Vietnam time, as aware UTC."""
    try:
        start_next = datetime.combine(day + timedelta(days=1), time(), VIETNAM_TZ)
    except OverflowError:
        return _LAST_INSTANT
    return min(start_next.astimezone(UTC), _LAST_INSTANT)


def today_vn() -> date:
    return datetime.now(VIETNAM_TZ).date()


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_end(key: str) -> date:
    year, month = int(key[:4]), int(key[5:7])
    if (year, month) == (9999, 12):
        return date(9999, 12, 31)
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def months_between(first: str, last: str) -> list[str]:
    """Month keys from ``first`` to ``last`` inclusive."""
    year, month = int(first[:4]), int(first[5:7])
    keys = []
    while True:
        key = f"{year:04d}-{month:02d}"
        if key > last:
            return keys
        keys.append(key)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


class vn_month(FunctionElement[str]):
    """'YYYY-MM' of a naive-UTC timestamp column, in Vietnam time."""

    type = String()
    inherit_cache = True


@compiles(vn_month, "sqlite")
def _vn_month_sqlite(element: vn_month, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)}, '+7 hours')"


@compiles(vn_month, "postgresql")
def _vn_month_postgresql(element: vn_month, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)} + interval '7 hours', 'YYYY-MM')"


# ---------------------------------------------------------------- the history as intervals


def vn_month_of(stamp: datetime) -> str:
    return stamp.astimezone(VIETNAM_TZ).strftime("%Y-%m")


def close_superseded(session: Session, revision: Revision) -> None:
    """Bring the intervals in line with a newly written ``revision``.

    Called for every revision written (catalogue.operations._record_revision), in the
    same transaction: the earlier revisions of the service whose interval ran past the
    new one's ``effective_at`` end there, and the month-by-month counts move by exactly
    what those intervals gained or lost.
    """
    begins = revision.effective_at
    overlapping = or_(Revision.superseded_at.is_(None), Revision.superseded_at > begins)
    earlier = (Revision.service_id == revision.service_id, Revision.number < revision.number)
    deltas: dict[tuple[str, int], int] = defaultdict(int)
    # A service's first revision closes nothing: no query at all for a new service.
    rows = session.execute(
        select(Revision.effective_at, Revision.superseded_at, Revision.status, Revision.level)
        .where(*earlier, overlapping)
    ).all() if revision.number > 1 else []
    for since, until, status, level in rows:
        if status != Status.PUBLISHED:
            continue
        if until is None or until > since:  # what the old interval counted
            deltas[(vn_month_of(since), level)] -= 1
            if until is not None:
                deltas[(vn_month_of(until), level)] += 1
        if begins > since:  # what the shortened one counts
            deltas[(vn_month_of(since), level)] += 1
            deltas[(vn_month_of(begins), level)] -= 1
    if rows:
        session.execute(
            update(Revision).where(*earlier, overlapping).values(superseded_at=begins)
            .execution_options(synchronize_session=False)
        )
    if revision.status == Status.PUBLISHED:
        deltas[(vn_month_of(begins), revision.level)] += 1
    _add_monthly(session, {key: n for key, n in deltas.items() if n})


def _add_monthly(session: Session, deltas: Mapping[tuple[str, int], int]) -> None:
    """Record changes of the monthly counts as new rows (append-only, never an upsert:
    two open transactions publishing in the same month must not wait on each other)."""
    if deltas:
        session.execute(insert(MonthlyChange), [
            {"month": month, "level": level, "delta": n}
            for (month, level), n in sorted(deltas.items())
        ])


def rebuild_superseded(session: Session) -> None:
    """Recompute ``superseded_at`` and the monthly counts from the revisions alone
    (after bulk inserts; migration 0002 does the same)."""
    later = aliased(Revision)
    session.execute(
        update(Revision)
        .values(
            superseded_at=select(func.min(later.effective_at))
            .where(later.service_id == Revision.service_id, later.number > Revision.number)
            .scalar_subquery()
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(MonthlyChange))
    rows = [{"month": month, "level": level, "delta": n}
            for month, levels in count_monthly_changes_from_history(session).items()
            for level, n in levels.items() if n]
    if rows:
        session.execute(insert(MonthlyChange), rows)


def _published_at(instant: datetime) -> ColumnElement[bool]:
    """The revisions that were their service's published state at ``instant``."""
    return (
        (Revision.status == Status.PUBLISHED.value)
        & (Revision.effective_at < instant)
        & or_(Revision.superseded_at.is_(None), Revision.superseded_at >= instant)
    )


@dataclass(frozen=True)
class Cell:
    """Published services sharing one combination of level, agency, field, tier, audience."""

    level: int
    agency_id: int
    field_id: int
    tier: str
    audience: str
    count: int


_DIMENSIONS = (Revision.level, Revision.agency_id, Revision.field_id, Revision.tier,
               Revision.audience)


def count_cells(session: Session, instant: datetime) -> list[Cell]:
    """Published services at ``instant`` grouped by every dimension at once.

    One query answers every breakdown: the groups are few (levels x agencies x fields
    x tiers x audiences actually used), so the rest is summing in Python.
    """
    rows = session.execute(
        select(*_DIMENSIONS, func.count()).where(_published_at(instant)).group_by(*_DIMENSIONS)
    )
    return [Cell(*row) for row in rows]


def count_monthly_changes_from_history(session: Session) -> dict[str, dict[int, int]]:
    """Net change of published services per month (Vietnam time) and level, from the
    revisions alone (what ``statistics_month`` must hold).

    A service entering a published state in a month counts +1 there, leaving it -1;
    a cumulative sum gives the count at each month's end. Empty intervals (a later-
    written revision took effect no later) are left out: they never held.
    """
    published = Revision.status == Status.PUBLISHED.value
    starts = (
        select(vn_month(Revision.effective_at).label("month"), Revision.level,
               func.count().label("n"))
        .where(published, or_(Revision.superseded_at.is_(None),
                              Revision.superseded_at > Revision.effective_at))
        .group_by(vn_month(Revision.effective_at), Revision.level)
    )
    ends = (
        select(vn_month(Revision.superseded_at).label("month"), Revision.level,
               (-func.count()).label("n"))
        .where(published, Revision.superseded_at > Revision.effective_at)
        .group_by(vn_month(Revision.superseded_at), Revision.level)
    )
    changes: dict[str, dict[int, int]] = defaultdict(lambda: dict.fromkeys(LEVELS, 0))
    for month, level, n in session.execute(union_all(starts, ends)):
        changes[month][level] += n
    return {month: levels for month, levels in changes.items() if any(levels.values())}


def count_monthly_changes(session: Session) -> dict[str, dict[int, int]]:
    """Net change of published services per month and level, as kept on every write."""
    changes: dict[str, dict[int, int]] = defaultdict(lambda: dict.fromkeys(LEVELS, 0))
    for month, level, n in session.execute(
        select(MonthlyChange.month, MonthlyChange.level, func.sum(MonthlyChange.delta))
        .group_by(MonthlyChange.month, MonthlyChange.level)
    ):
        changes[month][level] += n
    return {month: levels for month, levels in changes.items() if any(levels.values())}


# ---------------------------------------------------------------- the figures


@dataclass(frozen=True)
class Row:
    """One line of a breakdown table: published services, and of them those online."""

    key: str
    label: str
    count: int
    online: int
    depth: int = 0
    parent: str | None = None
    group: bool = False


@dataclass
class Breakdown:
    """Published services on one day, broken down every way the province reports them."""

    as_of: date
    by_level: dict[int, int]
    by_agency: list[Row]
    agency_tree: list[Row]
    by_field: list[Row]
    by_tier: list[Row]
    by_audience: list[Row]

    @property
    def published_total(self) -> int:
        return sum(self.by_level.values())

    @property
    def online_total(self) -> int:
        return sum(n for level, n in self.by_level.items() if level >= ONLINE_MIN_LEVEL)


def _sum(cells: Iterable[Cell], key: Any) -> tuple[dict[Any, int], dict[Any, int]]:
    total: dict[Any, int] = defaultdict(int)
    online: dict[Any, int] = defaultdict(int)
    for cell in cells:
        total[key(cell)] += cell.count
        if cell.level >= ONLINE_MIN_LEVEL:
            online[key(cell)] += cell.count
    return total, online


def _agency_tree(
    agencies: Sequence[Agency], total: Mapping[int, int], online: Mapping[int, int],
    groups: Iterable[str],
) -> list[Row]:
    """Departments one by one, each agency of ``groups`` as one row summing its sub-agencies.

    Rows come in tree order: a group's row, then its members indented under it, so the
    table reads "Các huyện, thị xã, thành phố: 120" followed by each district.
    """
    group_codes = set(groups)
    children: dict[int | None, list[Agency]] = defaultdict(list)
    for agency in agencies:
        children[agency.parent_id].append(agency)
    for kids in children.values():
        # Departments first in alphabetical order (diacritics folded, so "Ủy ban" sorts
        # under U, not after Z), then the groups, as a provincial report lists them.
        kids.sort(key=lambda a: (a.code in group_codes, fold(a.name), a.code))

    def subtree(agency: Agency) -> list[Agency]:
        found = [agency]
        for child in children.get(agency.id, []):
            found.extend(subtree(child))
        return found

    rows: list[Row] = []

    def visit(agency: Agency, depth: int, parent: str | None) -> None:
        if agency.code in group_codes:
            members = subtree(agency)
            rows.append(Row(agency.code, agency.name, sum(total.get(a.id, 0) for a in members),
                            sum(online.get(a.id, 0) for a in members), depth, parent, group=True))
            for member in members[1:]:
                rows.append(Row(member.code, member.name, total.get(member.id, 0),
                                online.get(member.id, 0), depth + 1, agency.code))
            return
        kids = children.get(agency.id, [])
        # A parent such as the provincial People's Committee is a heading for its
        # departments; it gets a row of its own only for services it owns itself.
        if not kids or total.get(agency.id, 0):
            rows.append(Row(agency.code, agency.name, total.get(agency.id, 0),
                            online.get(agency.id, 0), depth, parent))
        for child in kids:
            visit(child, depth, agency.code)

    for root in children.get(None, []):
        visit(root, 0, None)
    return rows


def compute_breakdown(
    session: Session, as_of: date, *, agency_groups: Iterable[str] = ()
) -> Breakdown:
    """Every breakdown of the published services at the end of ``as_of`` (Vietnam time).

    ``by_agency`` counts, for every agency, the published services it owns itself (any
    level) and, as ``online``, those at level 2 or above; ``agency_tree`` arranges the
    same counts for reading, with each agency in ``agency_groups`` summing its members.
    """
    cells = count_cells(session, end_of_day(as_of))
    agencies = list(session.scalars(select(Agency)))
    fields = list(session.scalars(select(Field)))

    level_total, _ = _sum(cells, lambda c: c.level)
    by_level = dict.fromkeys(LEVELS, 0)
    by_level.update(level_total)

    agency_total, agency_online = _sum(cells, lambda c: c.agency_id)
    codes = {a.id: a.code for a in agencies}
    by_agency = sorted(
        (Row(a.code, a.name, agency_total.get(a.id, 0), agency_online.get(a.id, 0),
             parent=codes.get(a.parent_id)) for a in agencies),
        key=lambda r: (-r.count, fold(r.label), r.key),
    )
    field_total, field_online = _sum(cells, lambda c: c.field_id)
    by_field = sorted(
        (Row(f.code, f.name, field_total.get(f.id, 0), field_online.get(f.id, 0)) for f in fields),
        key=lambda r: (-r.count, fold(r.label), r.key),
    )
    tier_total, tier_online = _sum(cells, lambda c: c.tier)
    audience_total, audience_online = _sum(cells, lambda c: c.audience)
    return Breakdown(
        as_of=as_of,
        by_level=by_level,
        by_agency=by_agency,
        agency_tree=_agency_tree(agencies, agency_total, agency_online, agency_groups),
        by_field=by_field,
        by_tier=[Row(t, t, tier_total.get(t, 0), tier_online.get(t, 0)) for t in TIERS],
        by_audience=[Row(a, a, audience_total.get(a, 0), audience_online.get(a, 0))
                     for a in AUDIENCES],
    )


def count_by_level_as_of(session: Session, as_of: date) -> dict[int, int]:
    """Published services by level at the end of ``as_of``, every level present.

    At the end of a month (the usual start of a reporting period is the 1st) the monthly
    counts answer without reading the history.
    """
    if as_of < date.max and (as_of + timedelta(days=1)).day == 1:
        counts = dict.fromkeys(LEVELS, 0)
        for level, n in session.execute(
            select(MonthlyChange.level, func.sum(MonthlyChange.delta))
            .where(MonthlyChange.month <= month_key(as_of))
            .group_by(MonthlyChange.level)
        ):
            counts[level] += int(n)
        return counts
    rows = session.execute(
        select(Revision.level, func.count())
        .where(_published_at(end_of_day(as_of)))
        .group_by(Revision.level)
    )
    counts = dict.fromkeys(LEVELS, 0)
    counts.update({level: n for level, n in rows})
    return counts


@dataclass(frozen=True)
class MonthPoint:
    """Published services by level at the end of a month (or on the as-of day, for its month)."""

    month: str
    day: date
    by_level: dict[int, int]

    @property
    def online(self) -> int:
        return sum(n for level, n in self.by_level.items() if level >= ONLINE_MIN_LEVEL)


def compute_growth(
    session: Session, as_of: date, *, last: Mapping[int, int] | None = None
) -> list[MonthPoint]:
    """Published services by level month by month, from the first publication to ``as_of``.

    Each month counts at its last day; the month of ``as_of`` counts on ``as_of`` itself
    (``last``, when the caller already has those counts, saves a query). A day after
    today ends the series today.
    """
    if as_of > today_vn():
        # The future holds no months yet: the series stops at today, not at 9999.
        as_of, last = today_vn(), None
    changes = count_monthly_changes(session)
    final_month = month_key(as_of)
    months = [m for m in changes if m <= final_month]
    if not months:
        return []
    running = dict.fromkeys(LEVELS, 0)
    points = []
    for key in months_between(min(months), final_month):
        if key == final_month:
            counts = dict(last) if last is not None else count_by_level_as_of(session, as_of)
            points.append(MonthPoint(key, as_of, counts))
            break
        for level, n in changes.get(key, {}).items():
            running[level] += n
        points.append(MonthPoint(key, month_end(key), dict(running)))
    return points


@dataclass(frozen=True)
class PeriodChange:
    """How the published services changed from the start of ``start`` to the end of ``end``."""

    start: date
    end: date
    before: dict[int, int]
    after: dict[int, int]

    @property
    def by_level(self) -> dict[int, int]:
        return {level: self.after[level] - self.before[level] for level in LEVELS}

    @property
    def online_before(self) -> int:
        return sum(n for lv, n in self.before.items() if lv >= ONLINE_MIN_LEVEL)

    @property
    def online_after(self) -> int:
        return sum(n for lv, n in self.after.items() if lv >= ONLINE_MIN_LEVEL)

    @property
    def online_change(self) -> int:
        return self.online_after - self.online_before


def compute_period_change(
    session: Session, start: date, end: date, *, after: Mapping[int, int] | None = None
) -> PeriodChange:
    """Counts by level at the start of ``start`` and at the end of ``end`` (inclusive period)."""
    before = count_by_level_as_of(session, start - timedelta(days=1)) if start > date.min \
        else dict.fromkeys(LEVELS, 0)
    after_counts = dict(after) if after is not None else count_by_level_as_of(session, end)
    return PeriodChange(start, end, before, after_counts)


@dataclass
class Statistics:
    """Everything the statistics page and the report show, from three queries."""

    breakdown: Breakdown
    growth: list[MonthPoint] = field(default_factory=list)
    period: PeriodChange | None = None


def compute_statistics(
    session: Session, as_of: date, *, period_start: date, period_end: date,
    agency_groups: Iterable[str] = (), with_growth: bool = True,
) -> Statistics:
    breakdown = compute_breakdown(session, as_of, agency_groups=agency_groups)
    growth = compute_growth(session, as_of, last=breakdown.by_level) if with_growth else []
    after = breakdown.by_level if period_end == as_of else None
    period = compute_period_change(session, period_start, period_end, after=after)
    return Statistics(breakdown, growth, period)
