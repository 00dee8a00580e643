"""The Vietnam clock of the catalogue: today's date in Vietnam, where a day ends, month
keys, and a SQL expression for the Vietnam month of a stored UTC timestamp.

Counts "as of a date" mean until the end of that day in Vietnam time (UTC+7), whatever
the server's own zone: ``as_of=2011-07-07`` counts what had taken effect before
2011-07-08 00:00 ICT.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from .vocabulary import VIETNAM_TZ

# The latest instant a naive UTC column can hold: answers for 9999-12-31 stay defined.
_LAST_INSTANT = datetime(9999, 12, 31, 16, 59, 59, tzinfo=UTC)


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` in Vietnam time, as aware UTC."""
    try:
        start_next = datetime.combine(day + timedelta(days=1), time(), VIETNAM_TZ)
    except OverflowError:
        return _LAST_INSTANT
    return min(start_next.astimezone(UTC), _LAST_INSTANT)


def start_of_day(day: date | None) -> datetime | None:
    """The first instant of ``day`` in Vietnam time, as aware UTC (None stays None): a
    procedure effective from ``day`` applies from this instant."""
    if day is None:
        return None
    return datetime.combine(day, time(), VIETNAM_TZ).astimezone(UTC)


# Set to a file holding an ISO 8601 instant, the catalogue's clock reads that instant
# instead of the system's: every process sharing the file sees the same "now", so a test
# can move a served portal's clock past a scheduled moment (tests/test_publication.py).
CLOCK_FILE_ENV = "CATALOGUE_CLOCK_FILE"


def now_vn() -> datetime:
    """Now, in Vietnam time: what decides which services apply and what "today" is."""
    path = os.environ.get(CLOCK_FILE_ENV)
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8").strip()
        except OSError:
            text = ""
        if text:
            return datetime.fromisoformat(text).astimezone(VIETNAM_TZ)
    return datetime.now(VIETNAM_TZ)


def today_vn() -> date:
    return now_vn().date()


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


def vn_month_of(stamp: datetime) -> str:
    return stamp.astimezone(VIETNAM_TZ).strftime("%Y-%m")
