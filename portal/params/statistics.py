"""What a statistics request asks for: the as-of day and the reporting period.

Shared by the pages, the downloads and the API so a date is read by one rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask import current_app

from catalogue.clock import today_vn
from catalogue.growth import first_published_day

from ..extensions import db

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class QueryError(ValueError):
    """A parameter the user can correct; the message is Vietnamese and names it."""


def parse_day(value: str | None, name: str, label: str) -> date | None:
    """``YYYY-MM-DD`` or nothing; anything else (2011-7-7, 20110707, 2011-02-30) is refused."""
    if value is None or value.strip() == "":
        return None
    value = value.strip()
    try:
        if not _DAY.match(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
        if day.year < 1900:
            raise ValueError(value)
    except ValueError:
        raise QueryError(
            f"{label} ({name}) không hợp lệ: “{value[:40]}”. Hãy nhập ngày dạng YYYY-MM-DD, "
            f"ví dụ 2011-07-07."
        ) from None
    return day


@dataclass(frozen=True)
class StatisticsQuery:
    as_of: date
    period_start: date
    period_end: date

    @classmethod
    def from_args(cls, args: Mapping[str, str], *, default_end: str = "as_of") -> StatisticsQuery:
        """``as_of`` defaults to today (Vietnam time); the period to 1 January of that year up to it."""
        as_of = parse_day(args.get("as_of"), "as_of", "Ngày thống kê")
        end = parse_day(args.get("to"), "to", "Ngày cuối kỳ")
        start = parse_day(args.get("from"), "from", "Ngày đầu kỳ")
        if default_end == "to" and as_of is None:
            as_of = end
        as_of = as_of or today_vn()
        end = end or as_of
        start = start or date(end.year, 1, 1)
        if start > end:
            raise QueryError("Ngày đầu kỳ (from) phải trước hoặc bằng ngày cuối kỳ (to).")
        return cls(as_of, start, end)

    def args(self) -> dict[str, str]:
        return {"as_of": self.as_of.isoformat(), "from": self.period_start.isoformat(),
                "to": self.period_end.isoformat()}


def period_label(start: date, end: date) -> str:
    """The name a provincial report gives a period: "6 tháng đầu năm 2011", "Quý III năm 2011"."""
    same_year = start.year == end.year
    if same_year and (start.month, start.day) == (1, 1):
        if (end.month, end.day) == (12, 31):
            return f"Năm {start.year}"
        if (end.month, end.day) == (6, 30):
            return f"6 tháng đầu năm {start.year}"
        if (end.month, end.day) == (9, 30):
            return f"9 tháng đầu năm {start.year}"
    if same_year and (start.month, start.day) == (7, 1) and (end.month, end.day) == (12, 31):
        return f"6 tháng cuối năm {start.year}"
    quarters = {(1, 3, 31): "I", (4, 6, 30): "II", (7, 9, 30): "III", (10, 12, 31): "IV"}
    roman = quarters.get((start.month, end.month, end.day))
    if same_year and start.day == 1 and roman:
        return f"Quý {roman} năm {start.year}"
    return f"Từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"


def agency_groups() -> tuple[str, ...]:
    """Agencies counted as one row summing their sub-agencies (the districts, by default).

    ``STATISTICS_AGENCY_GROUPS`` in the app config changes the list.
    """
    return tuple(current_app.config.get("STATISTICS_AGENCY_GROUPS", ("cap-huyen",)))


def check_day_in_range(day: date, first: date | None, name: str = "as_of",
                       label: str = "Ngày thống kê") -> date:
    """A count is asked for a day the catalogue has lived through: not after today
    (Vietnam time; the future holds no figures yet) and not before the first service was
    published (``first``; no bound while nothing has been). A silent answer for 2030 or
    1990 would look like data; the message says what range holds."""
    today = today_vn()
    if day > today:
        raise QueryError(f"{label} ({name}) {day:%d/%m/%Y} ở tương lai: chỉ có số liệu đến hôm nay, "
                         f"{today:%d/%m/%Y}.")
    if first is not None and day < first:
        raise QueryError(f"{label} ({name}) {day:%d/%m/%Y} trước ngày dịch vụ đầu tiên được công bố "
                         f"({first:%d/%m/%Y}): chưa có số liệu. Hãy chọn ngày từ {first:%d/%m/%Y} "
                         f"đến {today:%d/%m/%Y}.")
    return day


def first_day() -> date | None:
    """The first publication day of the catalogue (the lower bound of any as_of)."""
    return first_published_day(db.session)
