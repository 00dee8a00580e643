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

from sqlalchemy import ColumnElement, case, delete, func, insert, or_, select, union_all, update
from sqlalchemy.orm import Session, aliased

from .clock import vn_month, vn_month_of
from .models import MonthlyChange, Revision, Status

Key = tuple[str, int, str]  # (month, level, online kind)


def counted_interval(
    since: datetime, until: datetime | None, applies_from: datetime | None,
    applies_until: datetime | None,
) -> tuple[datetime, datetime | None] | None:
    """The part of a revision's interval ``[since, until)`` in which its service applied
    (inside ``[applies_from, applies_until)``, its effective_from and abolished_on), or
    None when they do not meet: only that part is counted."""
    start = applies_from if applies_from is not None and applies_from > since else since
    ends = [t for t in (until, applies_until) if t is not None]
    end = min(ends) if ends else None
    if end is not None and end <= start:
        return None
    return start, end


def _move(deltas: dict[Key, int], interval: tuple[datetime, datetime | None] | None,
          level: int, kind: str, sign: int) -> None:
    if interval is None:
        return
    start, end = interval
    deltas[(vn_month_of(start), level, kind)] += sign
    if end is not None:
        deltas[(vn_month_of(end), level, kind)] -= sign


def close_superseded(session: Session, revision: Revision) -> None:
    """Bring the intervals in line with a newly written ``revision``.

    Called for every revision written (catalogue.operations._record_revision), in the
    same transaction: the earlier revisions of the service whose interval ran past the
    new one's ``effective_at`` end there, and the month-by-month counts move by exactly
    what those intervals gained or lost (each clipped to its service's window).
    """
    begins = revision.effective_at
    overlapping = or_(Revision.superseded_at.is_(None), Revision.superseded_at > begins)
    earlier = (Revision.service_id == revision.service_id, Revision.number < revision.number)
    deltas: dict[Key, int] = defaultdict(int)
    # A service's first revision closes nothing: no query at all for a new service.
    rows = session.execute(
        select(Revision.effective_at, Revision.superseded_at, Revision.status, Revision.level,
               Revision.online_kind, Revision.applies_from, Revision.applies_until)
        .where(*earlier, overlapping)
    ).all() if revision.number > 1 else []
    for since, until, status, level, kind, applies_from, applies_until in rows:
        if status != Status.PUBLISHED:
            continue
        _move(deltas, counted_interval(since, until, applies_from, applies_until), level, kind, -1)
        _move(deltas, counted_interval(since, begins, applies_from, applies_until), level, kind, 1)
    if rows:
        session.execute(
            update(Revision).where(*earlier, overlapping).values(superseded_at=begins)
            .execution_options(synchronize_session=False)
        )
    if revision.status == Status.PUBLISHED:
        _move(deltas, counted_interval(begins, None, revision.applies_from,
                                       revision.applies_until),
              revision.level, revision.online_kind, 1)
    _add_monthly(session, {key: n for key, n in deltas.items() if n})


def _add_monthly(session: Session, deltas: Mapping[Key, int]) -> None:
    """Record changes of the monthly counts as new rows (append-only, never an upsert:
    two open transactions publishing in the same month must not wait on each other)."""
    if deltas:
        session.execute(insert(MonthlyChange), [
            {"month": month, "level": level, "online_kind": kind, "delta": n}
            for (month, level, kind), n in sorted(deltas.items())
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
    rows = [{"month": month, "level": level, "online_kind": kind, "delta": n}
            for (month, level, kind), n in count_monthly_changes_from_history(session).items()]
    if rows:
        session.execute(insert(MonthlyChange), rows)


def _counted_start() -> ColumnElement[datetime]:
    """SQL of counted_interval's start: the later of effective_at and applies_from."""
    return case((Revision.applies_from > Revision.effective_at, Revision.applies_from),
                else_=Revision.effective_at)


def _counted_end() -> ColumnElement[datetime]:
    """SQL of counted_interval's end: the earlier of superseded_at and applies_until."""
    return case(
        (Revision.applies_until.is_(None), Revision.superseded_at),
        (Revision.superseded_at.is_(None), Revision.applies_until),
        (Revision.applies_until < Revision.superseded_at, Revision.applies_until),
        else_=Revision.superseded_at,
    )


def count_monthly_changes_from_history(session: Session) -> dict[Key, int]:
    """Net change of published services per (month in Vietnam time, level, online kind),
    from the revisions alone (what ``statistics_month`` must hold); zeros left out.

    A service entering a counted interval in a month counts +1 there, leaving it -1;
    a cumulative sum gives the count at each month's end. Empty intervals (a later-
    written revision took effect no later, or outside the service's window) never held.
    """
    published = Revision.status == Status.PUBLISHED.value
    start, end = _counted_start(), _counted_end()
    starts = (
        select(vn_month(start).label("month"), Revision.level, Revision.online_kind,
               func.count().label("n"))
        .where(published, or_(end.is_(None), end > start))
        .group_by(vn_month(start), Revision.level, Revision.online_kind)
    )
    ends = (
        select(vn_month(end).label("month"), Revision.level, Revision.online_kind,
               (-func.count()).label("n"))
        .where(published, end.is_not(None), end > start)
        .group_by(vn_month(end), Revision.level, Revision.online_kind)
    )
    changes: dict[Key, int] = defaultdict(int)
    for month, level, kind, n in session.execute(union_all(starts, ends)):
        changes[(month, level, kind)] += n
    return {key: n for key, n in changes.items() if n}


def published_at(instant: datetime) -> ColumnElement[bool]:
    """The revisions that were their service's published state at ``instant``, while
    the service applied (its effective_from reached, its abolished_on not)."""
    return (
        (Revision.status == Status.PUBLISHED.value)
        & (Revision.effective_at < instant)
        & or_(Revision.superseded_at.is_(None), Revision.superseded_at >= instant)
        & or_(Revision.applies_from.is_(None), Revision.applies_from < instant)
        & or_(Revision.applies_until.is_(None), Revision.applies_until >= instant)
    )
