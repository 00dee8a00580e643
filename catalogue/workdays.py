"""The working-day calendar of Vietnamese administration: which days count when a law says
"5 ngày làm việc".

A day is a working day unless it is a Saturday or Sunday, or a public holiday; Tết and the
other holidays (the lunar ones included) and the swaps the government has announced come
from the maintained ``holidays`` library (its Vietnam calendar, which follows the Labour
Code and lists announced days off and make-up working Saturdays, e.g. 26/04/2025 worked
for 02/05/2025 off). What the library does not know yet, an admin enters as
:class:`~catalogue.models.CalendarDay` rows with the act that announced them; a row wins
over the library and over the weekend.

"Working days between two dates" counts the working days after the first date up to and
including the second: a decision of Monday is published "within 5 working days" if it is
published by the next Monday, and Monday is "5 working days before" the next Monday.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import holidays
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import CalendarDay

OFF = "off"
WORK = "work"
KINDS = {OFF: "Ngày nghỉ", WORK: "Ngày làm việc bù"}

# The span the prefix sums cover (the catalogue's history and a few years ahead); a date
# outside it is counted day by day.
FIRST_YEAR = 2008
LAST_YEAR = date.today().year + 3


@lru_cache(maxsize=1)
def _library_calendar() -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=range(FIRST_YEAR, LAST_YEAR + 1), language="vi")


@lru_cache(maxsize=1)
def _library_days() -> tuple[frozenset[date], frozenset[date]]:
    """The library's holidays and make-up working days as plain sets (a lookup in the
    library's own mapping costs ten times more, and the prefix sums make thousands)."""
    library = _library_calendar()
    return frozenset(library.keys()), frozenset(library.weekend_workdays)


def library_name() -> str:
    """How the page names the calendar it used."""
    return f"thư viện holidays {holidays.__version__} (lịch Việt Nam)"


@dataclass(frozen=True)
class WorkCalendar:
    """The library's calendar with the admin's announced days on top; immutable, so one
    instance serves a whole page."""

    overrides: Mapping[date, str]

    def is_working_day(self, day: date) -> bool:
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == WORK
        if day.year < FIRST_YEAR or day.year > LAST_YEAR:
            library = _library_calendar()
            if day in library.weekend_workdays:
                return True
            return day.weekday() < 5 and day not in library
        off, worked = _library_days()
        if day in worked:
            return True
        return day.weekday() < 5 and day not in off

    def holiday_name(self, day: date) -> str | None:
        return _library_calendar().get(day)

    def prefix_sums(self) -> tuple[Any, int]:
        """Working days counted from the span's first day (numpy array: index k holds the
        count among its first k days) and the ordinal of that day, for vectorised counts."""
        prefix = _ordinals(self.overrides)
        return prefix.array, prefix.origin.toordinal()

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``; negative when ``end`` is before ``start``."""
        if end < start:
            return -self.working_days_between(end, start)
        return _ordinals(self.overrides).count(self, start, end)


class _Prefix:
    """Working days counted once from 01/01/FIRST_YEAR, so a count is two look-ups: a page
    of 100,000 services asks it 200,000 times."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.origin = date(FIRST_YEAR, 1, 1)
        last = date(LAST_YEAR, 12, 31)
        self.sums = [0]
        day = self.origin
        while day <= last:
            self.sums.append(self.sums[-1] + calendar.is_working_day(day))
            day += timedelta(days=1)
        self.array = np.array(self.sums, np.int64)

    def upto(self, day: date) -> int | None:
        """Working days in ``[origin, day]``, or None outside the span."""
        i = (day - self.origin).days + 1
        return self.sums[i] if 0 < i < len(self.sums) else None

    def count(self, calendar: WorkCalendar, start: date, end: date) -> int:
        a, b = self.upto(start), self.upto(end)
        if a is not None and b is not None:
            return b - a
        n, day = 0, start + timedelta(days=1)
        while day <= end:
            n += calendar.is_working_day(day)
            day += timedelta(days=1)
        return n


_PREFIXES: dict[tuple[tuple[date, str], ...], _Prefix] = {}


def _ordinals(overrides: Mapping[date, str]) -> _Prefix:
    key = tuple(sorted(overrides.items()))
    prefix = _PREFIXES.get(key)
    if prefix is None:
        if len(_PREFIXES) > 8:  # the admin edited the table: forget the old versions
            _PREFIXES.clear()
        prefix = _PREFIXES[key] = _Prefix(WorkCalendar(dict(overrides)))
    return prefix


def calendar_of(days: Iterable[CalendarDay]) -> WorkCalendar:
    return WorkCalendar({d.day: d.kind for d in days})


def load_calendar(session: Session) -> WorkCalendar:
    """The calendar in force: the library plus every announced day in the database."""
    return calendar_of(session.scalars(select(CalendarDay)))


def working_days_between(session: Session, start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (see the module docstring)."""
    return load_calendar(session).working_days_between(start, end)


def announced_days(session: Session) -> list[CalendarDay]:
    return list(session.scalars(select(CalendarDay).order_by(CalendarDay.day)))


class CalendarError(ValueError):
    """An announced day that cannot be saved; the message is Vietnamese."""


def add_calendar_day(session: Session, day: date, kind: str, decision: str, note: str = "") -> CalendarDay:
    """Record one announced day (never commits). A make-up working day must fall on a
    weekend or holiday and a day off on a working day, or the entry changes nothing."""
    if kind not in KINDS:
        raise CalendarError("Loại ngày phải là ngày nghỉ hoặc ngày làm việc bù.")
    decision = " ".join(decision.split())
    if not decision:
        raise CalendarError("Hãy ghi văn bản đã quyết định ngày này (số, ngày của thông báo, quyết định).")
    if session.scalar(select(CalendarDay).where(CalendarDay.day == day)) is not None:
        raise CalendarError(f"Ngày {day:%d/%m/%Y} đã có trong lịch; hãy xóa dòng cũ trước.")
    library_only = WorkCalendar({})
    if kind == WORK and library_only.is_working_day(day):
        raise CalendarError(f"Ngày {day:%d/%m/%Y} vốn đã là ngày làm việc.")
    if kind == OFF and not library_only.is_working_day(day):
        raise CalendarError(f"Ngày {day:%d/%m/%Y} vốn đã là ngày nghỉ.")
    row = CalendarDay(day=day, kind=kind, decision=decision[:300], note=" ".join(note.split())[:300])
    session.add(row)
    session.flush()
    return row


def remove_calendar_day(session: Session, day_id: int) -> bool:
    row = session.get(CalendarDay, day_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def holidays_in(calendar: WorkCalendar, year: int) -> list[tuple[date, str]]:
    """The library's holidays of one year, for the page that shows the calendar."""
    return sorted((d, n) for d, n in _library_calendar().items() if d.year == year)



def warm_calendar() -> None:
    """Build the library's calendar and the plain working-day sums now (about half a
    second of CPU, once per process), so a worker does it at start, not on a reader's
    first request."""
    WorkCalendar({}).prefix_sums()
