"""Keeping entries right: which ones nobody has looked at for the review period.

An entry is due when it was last confirmed ("Xác nhận đã rà soát", or published by an
editor) longer ago than the period, or never confirmed and published or created that
long ago. The period is the setting ``REVIEW_PERIOD_MONTHS`` (12 by default).
"""

from __future__ import annotations

from datetime import datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Service, now_utc
from .vocabulary import Status

DEFAULT_REVIEW_MONTHS = 12


def review_cutoff(months: int, at: datetime | None = None) -> datetime:
    return (at or now_utc()) - relativedelta(months=months)


def last_confirmed():
    """When the entry was last looked at: its review, else its publication, else creation."""
    return func.coalesce(Service.reviewed_at, Service.published_at, Service.created_at)


def services_due_for_review(session: Session, agency_id: int | None, months: int,
                            at: datetime | None = None) -> list[Service]:
    """Published and draft entries of the agency (None: all) not confirmed within ``months``,
    the longest unreviewed first."""
    stmt = (select(Service).where(Service.status != Status.ARCHIVED,
                                  last_confirmed() < review_cutoff(months, at))
            .order_by(last_confirmed(), Service.code))
    if agency_id is not None:
        stmt = stmt.where(Service.agency_id == agency_id)
    return list(session.scalars(stmt))
