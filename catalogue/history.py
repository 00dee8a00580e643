"""The write side of the revision history: as each revision is written, the intervals of
the revisions it supersedes are closed and the monthly counts move with them, in the same
transaction (:func:`close_superseded`); after bulk inserts both are rebuilt from the
revisions alone (:func:`rebuild_superseded`). :mod:`catalogue.statistics` only reads them.

Why intervals: a revision is its service's state during ``[effective_at, superseded_at)``,
where ``superseded_at`` is the earliest ``effective_at`` of the revisions numbered after
it. Revisions are numbered in the order they were written; for history brought in by
import that is not the order of ``effective_at`` (the ``create`` revision takes effect
today, the ``publish`` that follows it on the file's ``published_at`` years earlier), and
taking the highest number among the effective ones gives the right answer in both cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, insert, or_, select, union_all, update
from sqlalchemy.orm import Session, aliased

from .clock import vn_month, vn_month_of
from .models import MonthlyChange, Revision, Status
from .vocabulary import LEVELS


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


def published_at(instant: datetime) -> ColumnElement[bool]:
    """The revisions that were their service's published state at ``instant``."""
    return (
        (Revision.status == Status.PUBLISHED.value)
        & (Revision.effective_at < instant)
        & or_(Revision.superseded_at.is_(None), Revision.superseded_at >= instant)
    )
