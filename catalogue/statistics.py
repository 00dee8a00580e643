"""Counts of what the catalogue offers."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Service, Status


def count_by_level(session: Session) -> dict[int, int]:
    """Published services by level, every level present (zeros included)."""
    rows = session.execute(
        select(Service.level, func.count())
        .where(Service.status == Status.PUBLISHED)
        .group_by(Service.level)
    )
    counts = dict.fromkeys(range(1, 5), 0)
    counts.update({level: n for level, n in rows})
    return counts


def online_total(session: Session) -> int:
    """Published services at level 2 or above: the figure the province reports."""
    return sum(n for level, n in count_by_level(session).items() if level >= 2)
