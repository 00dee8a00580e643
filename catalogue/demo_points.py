"""The demo's service points: the provincial centre, its branch in Tuy Hòa, and one
one-stop centre per commune. DEMO DATA, and the pages say so.

Placeholder pattern (documented in README.md): phone numbers are ``0000.000.NNN``
(NNN a running number). No Vietnamese telephone number begins with 0000 (landlines
start 02, mobiles 03, 05, 07, 08, 09), so none of them can ring anyone. E-mail
addresses are at ``example.org``, a domain reserved for examples (RFC 2606). Addresses name
only the commune's People's Committee seat; coordinates are given only for the two
province-level points, and only to two decimals (the town, not a door): the map link of
a commune centre searches for the commune's name instead of pointing at an invented spot.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Commune, ServicePoint
from .text import sort_key

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
OFFICE_HOURS = [
    {"days": WEEKDAYS, "opens": "07:00", "closes": "11:00"},
    {"days": WEEKDAYS, "opens": "13:30", "closes": "17:00"},
]
# The provincial centre also receives dossiers on Saturday mornings (demo assumption).
PROVINCE_HOURS = [*OFFICE_HOURS, {"days": ["sat"], "opens": "07:30", "closes": "11:00"}]


def placeholder_phone(number: int) -> str:
    return f"0000.000.{number:03d}"


PROVINCE_POINTS = [
    # code, name, commune slug, address, latitude, longitude
    ("tinh-buon-ma-thuot", "Trung tâm Phục vụ hành chính công tỉnh Đắk Lắk", "buon-ma-thuot",
     "Phường Buôn Ma Thuột, tỉnh Đắk Lắk", 12.68, 108.04),
    ("tinh-tuy-hoa", "Trung tâm Phục vụ hành chính công tỉnh Đắk Lắk – Chi nhánh Tuy Hòa", "tuy-hoa",
     "Phường Tuy Hòa, tỉnh Đắk Lắk", 13.09, 109.30),
]


def create_demo_points(session: Session) -> int:
    """Add the demo points that are missing (by code); returns how many were added.
    Needs the communes loaded (:func:`catalogue.places.load_places`). Flushes only."""
    communes = {c.slug: c for c in session.scalars(select(Commune))}
    known = set(session.scalars(select(ServicePoint.code)))
    added = 0
    for number, (code, name, slug, address, lat, lon) in enumerate(PROVINCE_POINTS, start=1):
        if code in known:
            continue
        session.add(ServicePoint(code=code, name=name, kind="province_centre", commune=communes.get(slug),
                                 address=address, phone=placeholder_phone(number),
                                 email=f"{code}@example.org", opening_hours=PROVINCE_HOURS,
                                 latitude=lat, longitude=lon, demo=True))
        added += 1
    ordered = sorted(communes.values(), key=lambda c: sort_key(c.name))
    for number, commune in enumerate(ordered, start=len(PROVINCE_POINTS) + 1):
        code = f"xa-{commune.slug}"
        if code in known:
            continue
        session.add(ServicePoint(
            code=code, name=f"Trung tâm Phục vụ hành chính công {commune.name_with_kind}",
            kind="commune_centre", commune=commune,
            address=f"Trụ sở Ủy ban nhân dân {commune.name_with_kind}, tỉnh Đắk Lắk",
            phone=placeholder_phone(number), email=f"{code}@example.org",
            opening_hours=OFFICE_HOURS, demo=True))
        added += 1
    session.flush()
    return added
