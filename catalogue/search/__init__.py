"""The search seam: the pages and the API call these functions, the engine stays behind.

This first implementation filters in SQL and matches the query against folded names in
Python; it is correct for a small catalogue and is to be replaced by the Whoosh index
(issue 4) behind the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Agency, Field, Service, Status
from ..text import fold

FACETS = ("level", "agency", "field", "tier", "audience")
SORTS = ("relevance", "name", "newest")


@dataclass
class SearchQuery:
    """What a citizen asked for: words, filters, order and page."""

    q: str = ""
    level: int | None = None
    agency: str | None = None
    field: str | None = None
    tier: str | None = None
    audience: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    def filters(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in FACETS if getattr(self, k) not in (None, "")}


@dataclass
class Hit:
    service: Service
    highlights: dict[str, Markup] = field(default_factory=dict)


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None


def _column(name: str) -> Any:
    return {
        "level": Service.level, "agency": Agency.code, "field": Field.code,
        "tier": Service.tier, "audience": Service.audience,
    }[name]


def _base(query: SearchQuery, skip: str | None = None) -> Any:
    stmt = (
        select(Service.id)
        .join(Agency, Service.agency_id == Agency.id)
        .join(Field, Service.field_id == Field.id)
        .where(Service.status == Status.PUBLISHED)
    )
    for name, value in query.filters().items():
        if name != skip:
            stmt = stmt.where(_column(name) == value)
    return stmt


def _matches(session: Session, q: str, ids: list[int]) -> list[int]:
    words = fold(q).split()
    if not words:
        return ids
    rows = session.execute(select(Service.id, Service.name, Service.code).where(Service.id.in_(ids)))
    return [i for i, name, code in rows if all(w in fold(f"{name} {code}") for w in words)]


def search_services(session: Session, query: SearchQuery) -> SearchResult:
    ids = list(session.scalars(_base(query)))
    ids = _matches(session, query.q, ids)
    facets: dict[str, dict[str, int]] = {}
    for name in FACETS:
        col = _column(name)
        stmt = (
            select(col, func.count())
            .select_from(Service)
            .join(Agency, Service.agency_id == Agency.id)
            .join(Field, Service.field_id == Field.id)
            .where(Service.id.in_(ids))
            .group_by(col)
        )
        facets[name] = {str(k): n for k, n in session.execute(stmt)}
    order = {
        "name": Service.name, "newest": Service.published_at.desc(),
    }.get(query.sort, Service.name)
    start = (query.page - 1) * query.per_page
    page = list(
        session.scalars(
            select(Service).where(Service.id.in_(ids)).order_by(order, Service.code)
            .offset(start).limit(query.per_page)
        ).unique()
    )
    return SearchResult(total=len(ids), hits=[Hit(s, {"name": escape(s.name)}) for s in page],
                        facets=facets)


def suggest(session: Session, prefix: str, limit: int = 10) -> list[tuple[str, str]]:
    """Services whose names start like what is being typed, diacritics or not."""
    start = fold(prefix).strip()
    if not start:
        return []
    rows = session.execute(
        select(Service.code, Service.name).where(Service.status == Status.PUBLISHED)
        .order_by(Service.name)
    )
    return [(c, n) for c, n in rows if fold(n).startswith(start)][:limit]
