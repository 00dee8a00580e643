"""Today's communes of Đắk Lắk and the old place names that lead to them.

Since 1 July 2025 the province has 102 commune-level units (xã, phường) and no districts;
people still say the old names ("xã Hòa Thuận", "huyện Krông Pắc"). The two data files in
``catalogue/data`` (administrative data provided by VietMap, licence in
``catalogue/data/LICENSE-vietmap``) are loaded by :func:`load_places`, and
:func:`find_places` answers "which commune of today is this?" for what a person types,
with or without diacritics.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from .models import Commune, OldPlace
from .text import clean_line, fold, sort_key

UNITS_FILE = "daklak-communes-2025.json"
MAPPING_FILE = "daklak-communes-old-to-new.json"
ATTRIBUTION = "Dữ liệu đơn vị hành chính do VietMap cung cấp (Administrative data provided by VietMap)"
MAX_PLACES = 30

# Kinds of unit a person may type before a name, folded, longest first. District kinds
# ("huyện Krông Pắc") ask for what the district became; commune kinds for a commune.
DISTRICT_KINDS = ("thanh pho", "thi xa", "huyen", "quan", "tp", "tx")
COMMUNE_KINDS = ("thi tran", "phuong", "xa", "tt")
_APOSTROPHES = re.compile(r"['’‘`]")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class PlaceData:
    units: list[dict[str, str]]
    rows: list[dict[str, str]]


def read_place_data() -> PlaceData:
    """The two files shipped with the package (the repository needs nothing outside it)."""
    folder = resources.files("catalogue") / "data"
    units = json.loads((folder / UNITS_FILE).read_text(encoding="utf-8"))["units"]
    rows = json.loads((folder / MAPPING_FILE).read_text(encoding="utf-8"))["rows"]
    return PlaceData(units, rows)


@dataclass(frozen=True)
class LoadReport:
    communes: int
    created: int
    old_places: int


def load_places(session: Session, data: PlaceData) -> LoadReport:
    """Create or update the communes (by slug) and replace the old-name rows; running it
    twice changes nothing. Flushes, never commits."""
    known = {c.slug: c for c in session.scalars(select(Commune))}
    by_full_name: dict[str, Commune] = {}
    created = 0
    for unit in data.units:
        slug = unit["slug"]
        commune = known.get(slug)
        if commune is None:
            commune = Commune(slug=slug)
            session.add(commune)
            created += 1
        commune.name = clean_line(unit["name"])
        commune.kind = clean_line(unit["kind"])
        by_full_name[clean_line(unit["name_with_kind"])] = commune
    session.flush()
    session.execute(delete(OldPlace))
    for row in data.rows:
        target = by_full_name.get(clean_line(row["new_commune"]))
        if target is None:
            raise ValueError(f"the mapping names an unknown commune: {row['new_commune']!r}")
        session.add(OldPlace(old_province=clean_line(row["old_province"]),
                             old_district=clean_line(row["old_district"]),
                             old_commune=clean_line(row["old_commune"]), commune=target))
    session.flush()
    _names_cache.clear()
    return LoadReport(len(data.units), created, len(data.rows))


def all_communes(session: Session) -> list[Commune]:
    """Every commune, in Vietnamese alphabetical order of its name."""
    return sorted(session.scalars(select(Commune)), key=lambda c: sort_key(c.name))


# A commune's slug as the data has it: anything else (a NUL byte, which PostgreSQL refuses
# in a query, or a name typed) is no slug, and is not sent to the database.
SLUG_RE = re.compile(r"^[a-z0-9-]{1,64}$")


def find_commune(session: Session, slug: str) -> Commune | None:
    if not SLUG_RE.match(slug):
        return None
    return session.scalar(select(Commune).where(Commune.slug == slug)
                          .options(selectinload(Commune.old_places)))


def _words(value: str) -> list[str]:
    return _WORD.findall(fold(_APOSTROPHES.sub("", value)))


def split_kind(value: str) -> tuple[str | None, list[str]]:
    """("huyen", ["krong", "pac"]) from "Huyện Krông Pắc": the kind typed, if any, and the
    folded words of the name (apostrophes dropped: "Ea H'Leo" is "ea hleo")."""
    words = _words(value)
    joined = " ".join(words)
    for kind in DISTRICT_KINDS + COMMUNE_KINDS:
        if joined.startswith(kind + " ") and len(words) > len(kind.split()):
            return kind, words[len(kind.split()):]
    return None, words


def _matches(typed: list[str], name: list[str]) -> int:
    """0 no match; 2 the whole name; 1 every typed word is a word of the name (the last
    may be the beginning of one, as a person is still typing)."""
    if typed == name:
        return 2
    if len(typed) > len(name):
        return 0
    for i, word in enumerate(typed):
        last = i == len(typed) - 1
        if not any(w == word or (last and w.startswith(word)) for w in name):
            return 0
    return 1


@dataclass(frozen=True)
class _Names:
    """Every name a commune answers to, folded once: (commune id, kind, words) of today's
    names, of the old communes and of the old districts."""

    today: list[tuple[int, str, list[str]]]
    old: list[tuple[int, str | None, list[str]]]
    districts: list[tuple[int, list[str]]]


_names_cache: dict[tuple[str, Any], _Names] = {}


def _names(session: Session) -> _Names:
    """The folded names, kept per database while the row counts and the last id stay the
    same. ``load_places`` clears them in its own process; the data only changes with the
    files shipped in the package, i.e. with a new release and a restart."""
    stamp = session.execute(select(func.count(OldPlace.id), func.max(OldPlace.id),
                                   func.count(Commune.id.distinct())).select_from(OldPlace)
                            .join(Commune, OldPlace.commune_id == Commune.id, full=False)).one()
    key = (str(session.get_bind().url), tuple(stamp))
    cached = _names_cache.get(key)
    if cached is not None:
        return cached
    today = [(i, fold(kind), _words(name)) for i, name, kind in
             session.execute(select(Commune.id, Commune.name, Commune.kind))]
    old, districts = [], []
    for district, commune, commune_id in session.execute(
            select(OldPlace.old_district, OldPlace.old_commune, OldPlace.commune_id)):
        old_kind, old_words = split_kind(commune)
        old.append((commune_id, old_kind, old_words))
        districts.append((commune_id, split_kind(district)[1]))
    names = _Names(today, old, districts)
    _names_cache.clear()
    _names_cache[key] = names
    return names


def find_places(session: Session, typed: str, limit: int = MAX_PLACES) -> list[Commune]:
    """Today's communes for what a person typed: their own name, an old commune they took
    over, or an old district they were part of. Whole-name matches come first, then today's
    names before old ones, then Vietnamese alphabetical order."""
    kind, words = split_kind(clean_line(typed or "")[:200])
    if not words:
        return []
    wants_district = kind in DISTRICT_KINDS
    wants_commune = kind in COMMUNE_KINDS
    scores: dict[int, tuple[int, int]] = {}
    names = _names(session)

    def note(commune_id: int, score: tuple[int, int]) -> None:
        if score > scores.get(commune_id, (0, 0)):
            scores[commune_id] = score

    if not wants_district:
        for commune_id, today_kind, today_words in names.today:
            quality = _matches(words, today_words)
            if quality:
                note(commune_id, (quality, 3 if kind in (None, today_kind) else 1))
        for commune_id, old_kind, old_words in names.old:
            quality = _matches(words, old_words)
            if quality:
                note(commune_id, (quality, 2 if kind in (None, old_kind) else 0))
    if not wants_commune:
        for commune_id, district_words in names.districts:
            quality = _matches(words, district_words)
            if quality:
                note(commune_id, (quality, 1))
    if not scores:
        return []
    communes = {c.id: c for c in session.scalars(select(Commune).where(Commune.id.in_(scores)))}
    ranked = sorted(scores, key=lambda i: (-scores[i][0], -scores[i][1], sort_key(communes[i].name)))
    return [communes[i] for i in ranked[:limit]]


def place_item(commune: Commune) -> dict[str, Any]:
    """A commune as ``/api/v1/places`` gives it."""
    return {"slug": commune.slug, "name": commune.name, "kind": commune.kind}
