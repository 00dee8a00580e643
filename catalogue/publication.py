"""When a published service is public: from the start of its ``effective_from`` to the
start of its ``abolished_on`` (Vietnam time), by the catalogue's clock.

No job flips a flag at the scheduled moment: every reader asks "does it apply today?"
(this module for SQL and for one service, the search index by the day columns of its
documents), and the page cache keys pages by today's date, so at midnight every worker of
every machine shows the change at once, without a restart or a write.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, or_

from .clock import today_vn
from .models import Service
from .vocabulary import Status


def applies_on(effective_from: date | None, abolished_on: date | None, day: date) -> bool:
    return (effective_from is None or effective_from <= day) and (
        abolished_on is None or abolished_on > day)


def is_public(service: Service, day: date | None = None) -> bool:
    """Published, and applying on ``day`` (default: today)."""
    return service.status == Status.PUBLISHED and applies_on(
        service.effective_from, service.abolished_on, day or today_vn())


def public_on(day: date | ColumnElement[date] | None = None) -> ColumnElement[bool]:
    """SQL: the services the public sees on ``day`` (default: today); ``day`` may be a
    bound parameter, for a statement built once and run with each day's date."""
    if day is None:
        day = today_vn()
    return (
        (Service.status == Status.PUBLISHED.value)
        & or_(Service.effective_from.is_(None), Service.effective_from <= day)
        & or_(Service.abolished_on.is_(None), Service.abolished_on > day)
    )


def day_number(day: date | None) -> int:
    """A day as the search index stores it (yyyymmdd)."""
    return day.year * 10000 + day.month * 100 + day.day if day else 0
