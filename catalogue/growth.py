"""Counts through time: published services by level and online kind at the end of any
day, month by month growth, and the change over a period, each figure in its scheme.
Month ends read the running sum of ``statistics_month`` (kept by
:mod:`catalogue.history`); other days count the revisions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .clock import end_of_day, month_end, month_key, months_between, today_vn
from .history import published_at
from .models import MonthlyChange, Revision
from .schemes import Scheme, empty_kinds, scheme_on
from .vocabulary import LEVELS

State = dict[tuple[int, str], int]  # published services by (level, online kind)


def count_monthly_changes(session: Session) -> dict[str, State]:
    """Net change of published services per month and (level, kind), as kept on every write."""
    changes: dict[str, State] = defaultdict(lambda: defaultdict(int))
    for month, level, kind, n in session.execute(
        select(MonthlyChange.month, MonthlyChange.level, MonthlyChange.online_kind,
               func.sum(MonthlyChange.delta))
        .group_by(MonthlyChange.month, MonthlyChange.level, MonthlyChange.online_kind)
    ):
        if n:
            changes[month][(level, kind)] += int(n)
    return {month: dict(state) for month, state in changes.items() if any(state.values())}


def count_monthly_deltas(session: Session) -> dict[tuple[str, int, str], int]:
    """Net change per (month, level, online kind) as kept on every write, zeros left out:
    what ``history.count_monthly_changes_from_history`` computes from the revisions."""
    return {(month, level, kind): n for month, state in count_monthly_changes(session).items()
            for (level, kind), n in state.items() if n}


def count_state_as_of(session: Session, as_of: date) -> State:
    """Published services by (level, online kind) at the end of ``as_of``.

    At the end of a month (the usual start of a reporting period is the 1st) the monthly
    counts answer without reading the history.
    """
    counts: State = defaultdict(int)
    if as_of < date.max and (as_of + timedelta(days=1)).day == 1:
        rows = session.execute(
            select(MonthlyChange.level, MonthlyChange.online_kind, func.sum(MonthlyChange.delta))
            .where(MonthlyChange.month <= month_key(as_of))
            .group_by(MonthlyChange.level, MonthlyChange.online_kind)
        )
    else:
        rows = session.execute(
            select(Revision.level, Revision.online_kind, func.count())
            .where(published_at(end_of_day(as_of)))
            .group_by(Revision.level, Revision.online_kind)
        )
    for level, kind, n in rows:
        if n:
            counts[(level, kind)] += int(n)
    return dict(counts)


def levels_of(state: Mapping[tuple[int, str], int]) -> dict[int, int]:
    counts = dict.fromkeys(LEVELS, 0)
    for (level, _), n in state.items():
        counts[level] += n
    return counts


def kinds_of(state: Mapping[tuple[int, str], int]) -> dict[str, int]:
    counts = empty_kinds()
    for (_, kind), n in state.items():
        counts[kind] += n
    return counts


def count_by_level_as_of(session: Session, as_of: date) -> dict[int, int]:
    """Published services by level at the end of ``as_of``, every level present."""
    return levels_of(count_state_as_of(session, as_of))


@dataclass(frozen=True)
class MonthPoint:
    """Published services at the end of a month (or on the as-of day, for its month), by
    level and by online kind; ``online`` in the scheme in force that day."""

    month: str
    day: date
    by_level: dict[int, int]
    by_kind: dict[str, int] = field(default_factory=empty_kinds)

    @property
    def scheme(self) -> Scheme:
        return scheme_on(self.day)

    @property
    def online(self) -> int:
        return self.scheme.online_of(self.by_level, self.by_kind)


def compute_growth(
    session: Session, as_of: date, *, last: Mapping[tuple[int, str], int] | None = None
) -> list[MonthPoint]:
    """Published services month by month, from the first publication to ``as_of``.

    Each month counts at its last day; the month of ``as_of`` counts on ``as_of`` itself
    (``last``, the (level, kind) counts when the caller already has them, saves a query).
    A day after today ends the series today. Each point knows its scheme, so a reader
    can show where the measure of "online" changes instead of joining two measures.
    """
    if as_of > today_vn():
        # The future holds no months yet: the series stops at today, not at 9999.
        as_of, last = today_vn(), None
    changes = count_monthly_changes(session)
    final_month = month_key(as_of)
    months = [m for m in changes if m <= final_month]
    if not months:
        return []
    running: State = defaultdict(int)
    points = []
    for key in months_between(min(months), final_month):
        if key == final_month:
            state = dict(last) if last is not None else count_state_as_of(session, as_of)
            points.append(MonthPoint(key, as_of, levels_of(state), kinds_of(state)))
            break
        for cell, n in changes.get(key, {}).items():
            running[cell] += n
        points.append(MonthPoint(key, month_end(key), levels_of(running), kinds_of(running)))
    return points


@dataclass(frozen=True)
class PeriodChange:
    """How the published services changed from the start of ``start`` to the end of ``end``."""

    start: date
    end: date
    before: dict[int, int]
    after: dict[int, int]
    before_kinds: dict[str, int] = field(default_factory=empty_kinds)
    after_kinds: dict[str, int] = field(default_factory=empty_kinds)

    @property
    def by_level(self) -> dict[int, int]:
        return {level: self.after[level] - self.before[level] for level in LEVELS}

    @property
    def scheme_before(self) -> Scheme:
        return scheme_on(self.start - timedelta(days=1)) if self.start > date.min \
            else scheme_on(self.start)

    @property
    def scheme_after(self) -> Scheme:
        return scheme_on(self.end)

    @property
    def comparable(self) -> bool:
        """Both ends count "online" the same way (no change of measure in between)."""
        return self.scheme_before.by_kind == self.scheme_after.by_kind

    @property
    def online_before(self) -> int:
        return self.scheme_before.online_of(self.before, self.before_kinds)

    @property
    def online_after(self) -> int:
        return self.scheme_after.online_of(self.after, self.after_kinds)

    @property
    def online_change(self) -> int | None:
        """None across a change of measure: two different counts are not subtracted."""
        return self.online_after - self.online_before if self.comparable else None


def compute_period_change(
    session: Session, start: date, end: date, *,
    after: Mapping[tuple[int, str], int] | None = None,
) -> PeriodChange:
    """Counts at the start of ``start`` and at the end of ``end`` (inclusive period);
    ``after``: the (level, kind) counts at the end, when the caller has them."""
    before = count_state_as_of(session, start - timedelta(days=1)) if start > date.min else {}
    after_state = dict(after) if after is not None else count_state_as_of(session, end)
    return PeriodChange(start, end, levels_of(before), levels_of(after_state),
                        kinds_of(before), kinds_of(after_state))
