"""Service points: where a person hands in a dossier, when it is open, how to get there.

Opening hours are kept by weekday (``{"days": ["mon", ...], "opens": "07:00", "closes":
"11:00"}``, several spans a day for the lunch break). Public holidays close every point:
they come from the maintained ``holidays`` package (Vietnam's calendar, Tết and the
lunar dates computed, days in lieu included) rather than a hand-kept list that goes stale
each year. "Open now" is decided in Vietnam time (UTC+7) from :func:`catalogue.clock.now_vn`,
whatever the server's zone.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote_plus

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .models import Commune, OldPlace, ServicePoint
from .places import place_item

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = {"mon": "Thứ Hai", "tue": "Thứ Ba", "wed": "Thứ Tư", "thu": "Thứ Năm",
              "fri": "Thứ Sáu", "sat": "Thứ Bảy", "sun": "Chủ Nhật"}
KIND_LABELS = {
    "province_centre": "Trung tâm Phục vụ hành chính công cấp tỉnh",
    "commune_centre": "Trung tâm Phục vụ hành chính công cấp xã",
    "agency_office": "Trụ sở cơ quan",
}
OPEN_LABEL, CLOSED_LABEL = "Đang mở cửa", "Đã đóng cửa"
LOOKAHEAD_DAYS = 21


@functools.cache
def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year, language="vi")


def holiday_name(day: date) -> str | None:
    """The public holiday ``day`` is in Vietnam (Vietnamese name), or None."""
    return _calendar(day.year).get(day)


def spans_on(hours: list[dict[str, Any]], day: date) -> list[tuple[time, time]]:
    """Opening spans of ``day`` in order; none on a public holiday."""
    if holiday_name(day):
        return []
    code = DAYS[day.weekday()]
    spans = [(time.fromisoformat(h["opens"]), time.fromisoformat(h["closes"]))
             for h in hours if code in h.get("days", ())]
    return sorted(spans)


def _day_vi(day: date) -> str:
    return f"{DAY_LABELS[DAYS[day.weekday()]].lower()}, {day:%d/%m/%Y}"


@dataclass(frozen=True)
class OpenState:
    is_open: bool
    detail: str  # when it closes, or why closed and when it opens again

    @property
    def label(self) -> str:
        return OPEN_LABEL if self.is_open else CLOSED_LABEL


def open_state(hours: list[dict[str, Any]], now: datetime) -> OpenState:
    """Whether a point with ``hours`` is open at ``now`` (aware; read in Vietnam time by the
    caller), with what a person needs next: the closing time, or the next opening."""
    today, clock = now.date(), now.time().replace(tzinfo=None)
    for opens, closes in spans_on(hours, today):
        if opens <= clock < closes:
            return OpenState(True, f"Đóng cửa lúc {closes:%H:%M}")
    holiday = holiday_name(today)
    reason = f"Hôm nay nghỉ lễ ({holiday}). " if holiday else ""
    for offset in range(LOOKAHEAD_DAYS):
        day = today + timedelta(days=offset)
        for opens, _ in spans_on(hours, day):
            if offset == 0 and opens <= clock:
                continue
            when = "hôm nay" if offset == 0 else ("ngày mai" if offset == 1 else _day_vi(day))
            return OpenState(False, f"{reason}Mở cửa lại lúc {opens:%H:%M} {when}")
    return OpenState(False, f"{reason}Chưa có lịch mở cửa".strip())


def week_rows(hours: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(weekday, "07:00–11:00, 13:30–17:00" or "Nghỉ") for Monday to Sunday."""
    rows = []
    for code in DAYS:
        spans = sorted((h["opens"], h["closes"]) for h in hours if code in h.get("days", ()))
        rows.append((DAY_LABELS[code], ", ".join(f"{a}–{b}" for a, b in spans) or "Nghỉ"))
    return rows


def holidays_ahead(today: date, days: int = 60) -> list[tuple[date, str]]:
    """Public holidays (every point closed) from ``today`` for ``days`` days."""
    found = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        name = holiday_name(day)
        if name:
            found.append((day, name))
    return found


def map_url(point: ServicePoint) -> str:
    """The place on OpenStreetMap: its coordinates when known, else a search for its
    address (no coordinates are invented)."""
    if point.latitude is not None and point.longitude is not None:
        lat, lon = f"{point.latitude:.5f}", f"{point.longitude:.5f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    where = point.commune.name_with_kind + ", Đắk Lắk" if point.commune else point.address
    return "https://www.openstreetmap.org/search?query=" + quote_plus(where)


def point_record(point: ServicePoint) -> dict[str, Any]:
    """A service point as ``/api/v1/service-points`` gives it (the contract's keys)."""
    return {
        "code": point.code,
        "name": point.name,
        "kind": point.kind,
        "commune": place_item(point.commune) if point.commune else None,
        "address": point.address,
        "phone": point.phone,
        "email": point.email,
        "opening_hours": [{"days": list(h["days"]), "opens": h["opens"], "closes": h["closes"]}
                          for h in point.opening_hours],
        "latitude": point.latitude,
        "longitude": point.longitude,
    }


def all_points(session: Session) -> list[ServicePoint]:
    """Province-level points first, then the communes' in order of code."""
    order = {"province_centre": 0, "agency_office": 1, "commune_centre": 2}
    points = session.scalars(select(ServicePoint).options(selectinload(ServicePoint.commune)))
    return sorted(points, key=lambda p: (order.get(p.kind, 3), p.code))


def find_point(session: Session, code: str) -> ServicePoint | None:
    if "\x00" in code or len(code) > 64:  # never a code; PostgreSQL refuses a NUL in a query
        return None
    return session.scalar(select(ServicePoint).where(ServicePoint.code == code))


def centre_of(session: Session, commune: Commune) -> ServicePoint | None:
    return session.scalar(select(ServicePoint).where(ServicePoint.commune_id == commune.id,
                                                     ServicePoint.kind == "commune_centre"))


def nearest_province_points(session: Session, commune: Commune) -> list[ServicePoint]:
    """Province-level points, nearest first. Communes carry no coordinates, so distance is
    stood in for by the former province (Đắk Lắk or Phú Yên): a point standing in a
    commune of the same former province comes first. Since Decree 118/2025 a dossier
    may be filed at any point of the province."""
    provinces = _former_provinces(session)
    mine = provinces.get(commune.id, set())
    points = session.scalars(select(ServicePoint).where(ServicePoint.kind != "commune_centre")
                             .options(selectinload(ServicePoint.commune)))
    return sorted(points, key=lambda p: (not (provinces.get(p.commune_id or -1, set()) & mine), p.code))


def _former_provinces(session: Session) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for commune_id, province in session.execute(select(OldPlace.commune_id, OldPlace.old_province)):
        found.setdefault(commune_id, set()).add(province)
    return found
