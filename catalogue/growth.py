"""Counts through time: published services by level at the end of any day, month by
month growth, and the change over a period. Month ends read the running sum of
``statistics_month`` (kept by :mod:`catalogue.history`); other days count the revisions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .clock import end_of_day, month_end, month_key, months_between, today_vn
from .history import published_at
from .models import MonthlyChange, Revision
from .vocabulary import LEVELS, is_online


def count_monthly_changes(session: Session) -> dict[str, dict[int, int]]:
    """Net change of published services per month and level, as kept on every write."""
    changes: dict[str, dict[int, int]] = defaultdict(lambda: dict.fromkeys(LEVELS, 0))
    for month, level, n in session.execute(
        select(MonthlyChange.month, MonthlyChange.level, func.sum(MonthlyChange.delta))
        .group_by(MonthlyChange.month, MonthlyChange.level)
    ):
        changes[month][level] += n
    return {month: levels for month, levels in changes.items() if any(levels.values())}


def count_monthly_deltas(session: Session) -> dict[tuple[str, int, str], int]:
    """Net change per (month, level, online kind) as kept on every write, zeros left out:
    what ``history.count_monthly_changes_from_history`` computes from the revisions."""
    rows = session.execute(
        select(MonthlyChange.month, MonthlyChange.level, MonthlyChange.online_kind,
               func.sum(MonthlyChange.delta))
        .group_by(MonthlyChange.month, MonthlyChange.level, MonthlyChange.online_kind)
    )
    return {(month, level, kind): int(n) for month, level, kind, n in rows if n}


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
        .where(published_at(end_of_day(as_of)))
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
        return sum(n for level, n in self.by_level.items() if is_online(level))


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
        return sum(n for lv, n in self.before.items() if is_online(lv))

    @property
    def online_after(self) -> int:
        return sum(n for lv, n in self.after.items() if is_online(lv))

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
