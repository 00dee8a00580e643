"""Counts of what the catalogue offers, today or on any past date, exactly; read only.

Every figure is derived from the revision history, never from stored snapshots: each
revision holds the state of its service after a change (status, level, agency, field,
tier, audience) and ``effective_at``, when the change took effect. The state of a
service at instant T is, among its revisions that had taken effect by T, the one with
the highest ``number``; each revision is therefore the state of its service during an
interval ``[effective_at, superseded_at)``, kept as revisions are written by
:mod:`catalogue.history`, so an as-of count is one scan of a covering index.

The month-by-month growth is the running sum of ``statistics_month`` (net change of
published services per month and level, also kept by :mod:`catalogue.history`). Month
ends are read from it; every other day is counted from the revisions. Days end at
midnight Vietnam time (:mod:`catalogue.clock`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .clock import end_of_day
from .growth import MonthPoint, PeriodChange, compute_growth, compute_period_change
from .history import published_at
from .models import Agency, Field, Revision, Service
from .publication import public_on
from .schemes import Scheme, empty_kinds, scheme_on
from .text import sort_key
from .vocabulary import AUDIENCES, LEVELS, TIERS, is_online

# ---------------------------------------------------------------- current state (home page)


def count_by_level(session: Session) -> dict[int, int]:
    """Public services by level now (published and applying today), every level present.

    Reads the service rows (their state is the latest revision's): the home page asks
    on every request and needs no history.
    """
    rows = session.execute(
        select(Service.level, func.count())
        .where(public_on())
        .group_by(Service.level)
    )
    counts = dict.fromkeys(LEVELS, 0)
    counts.update({level: n for level, n in rows})
    return counts


def online_total(session: Session, by_level: dict[int, int] | None = None) -> int:
    """Published services at level 2 or above: the figure the province reports (from
    ``by_level`` when the caller already counted by level)."""
    counts = by_level if by_level is not None else count_by_level(session)
    return sum(n for level, n in counts.items() if is_online(level))


@dataclass(frozen=True)
class Cell:
    """Published services sharing one combination of level, online kind, agency, field,
    tier and audience."""

    level: int
    online_kind: str
    agency_id: int
    field_id: int
    tier: str
    audience: str
    count: int


_DIMENSIONS = (Revision.level, Revision.online_kind, Revision.agency_id, Revision.field_id,
               Revision.tier, Revision.audience)


def count_cells(session: Session, instant: datetime) -> list[Cell]:
    """Published services at ``instant`` grouped by every dimension at once.

    One query answers every breakdown: the groups are few (levels x agencies x fields
    x tiers x audiences actually used), so the rest is summing in Python.
    """
    rows = session.execute(
        select(*_DIMENSIONS, func.count()).where(published_at(instant)).group_by(*_DIMENSIONS)
    )
    return [Cell(*row) for row in rows]


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
    scheme: Scheme
    by_level: dict[int, int]
    by_online_kind: dict[str, int]
    by_agency: list[Row]
    agency_tree: list[Row]
    by_field: list[Row]
    by_tier: list[Row]
    by_audience: list[Row]
    # (level, kind) -> count: what growth and period changes continue from.
    state: dict[tuple[int, str], int] = field(default_factory=dict)

    @property
    def published_total(self) -> int:
        return sum(self.by_level.values())

    @property
    def online_total(self) -> int:
        """The scheme's own count: level 2 and above under Decree 43, full + partial after."""
        return self.scheme.online_of(self.by_level, self.by_online_kind)


def _sum(cells: Iterable[Cell], key: Any, scheme: Scheme) -> tuple[dict[Any, int], dict[Any, int]]:
    total: dict[Any, int] = defaultdict(int)
    online: dict[Any, int] = defaultdict(int)
    for cell in cells:
        total[key(cell)] += cell.count
        if scheme.is_online(cell.level, cell.online_kind):
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
        kids.sort(key=lambda a: (a.code in group_codes, sort_key(a.name), a.code))

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
    level) and, as ``online``, those online under the scheme in force on ``as_of``
    (catalogue.schemes); ``agency_tree`` arranges the same counts for reading, with each
    agency in ``agency_groups`` summing its members.
    """
    scheme = scheme_on(as_of)
    cells = count_cells(session, end_of_day(as_of))
    agencies = list(session.scalars(select(Agency)))
    fields = list(session.scalars(select(Field)))

    level_total, _ = _sum(cells, lambda c: c.level, scheme)
    by_level = dict.fromkeys(LEVELS, 0)
    by_level.update(level_total)
    kind_total, _ = _sum(cells, lambda c: c.online_kind, scheme)
    state, _ = _sum(cells, lambda c: (c.level, c.online_kind), scheme)
    by_online_kind = empty_kinds()
    by_online_kind.update(kind_total)

    agency_total, agency_online = _sum(cells, lambda c: c.agency_id, scheme)
    codes = {a.id: a.code for a in agencies}
    by_agency = sorted(
        (Row(a.code, a.name, agency_total.get(a.id, 0), agency_online.get(a.id, 0),
             parent=codes.get(a.parent_id)) for a in agencies),
        key=lambda r: (-r.count, sort_key(r.label), r.key),
    )
    field_total, field_online = _sum(cells, lambda c: c.field_id, scheme)
    by_field = sorted(
        (Row(f.code, f.name, field_total.get(f.id, 0), field_online.get(f.id, 0)) for f in fields),
        key=lambda r: (-r.count, sort_key(r.label), r.key),
    )
    tier_total, tier_online = _sum(cells, lambda c: c.tier, scheme)
    audience_total, audience_online = _sum(cells, lambda c: c.audience, scheme)
    return Breakdown(
        as_of=as_of,
        scheme=scheme,
        by_level=by_level,
        by_online_kind=by_online_kind,
        by_agency=by_agency,
        agency_tree=_agency_tree(agencies, agency_total, agency_online, agency_groups),
        by_field=by_field,
        by_tier=[Row(t, t, tier_total.get(t, 0), tier_online.get(t, 0)) for t in TIERS],
        by_audience=[Row(a, a, audience_total.get(a, 0), audience_online.get(a, 0))
                     for a in AUDIENCES],
        state=dict(state),
    )


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
    growth = compute_growth(session, as_of, last=breakdown.state) if with_growth else []
    after = breakdown.state if period_end == as_of else None
    period = compute_period_change(session, period_start, period_end, after=after)
    return Statistics(breakdown, growth, period)
