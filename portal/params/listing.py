"""The catalogue's list parameters, read the same way by the /services page and the API.

One parser means one set of rules: a value the page refuses, the API refuses too, with
the same Vietnamese message (the page shows it, the API returns it as a JSON error).
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import quote_plus

from flask import g, url_for
from markupsafe import Markup, escape
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from catalogue.life_events import life_event_codes, vocabulary
from catalogue.models import Commune
from catalogue.reference import read_reference
from catalogue.search import SORTS, SearchQuery, SearchResult, search_services
from catalogue.text import clean_line
from catalogue.vocabulary import (
    AUDIENCE_LABELS,
    LEVEL_LABELS,
    MAX_QUERY_CHARS,
    ONLINE_KIND_LABELS,
    TIER_LABELS,
    Tier,
)

from ..extensions import db
from ..formatting import number_vi
from ..page_cache import request_stamp

PARAMS = ("q", "level", "agency", "field", "tier", "audience", "online_kind", "commune",
          "life_event", "sort", "page",
          "per_page")

MAX_PAGE = 10_000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
_DIGITS = re.compile(r"[0-9]{1,9}")
_CODE = re.compile(r"[A-Za-z0-9._-]{1,64}")

SORT_LABELS = {"relevance": "Phù hợp nhất", "name": "Tên (A–Z)", "newest": "Mới công bố"}
assert set(SORT_LABELS) == set(SORTS)


@dataclass
class ListingParamError(Exception):
    """A list parameter the portal cannot honour; ``message`` is for the citizen."""

    param: str
    message: str

    def __str__(self) -> str:
        return self.message


def _single(args: MultiDict[str, str], name: str) -> str | None:
    values = args.getlist(name)
    if not values:
        return None
    if len(set(values)) > 1:
        raise ListingParamError(name, f"Tham số “{name}” chỉ nhận một giá trị.")
    return values[0].strip()


def _integer(args: MultiDict[str, str], name: str, low: int, high: int, default: int,
             label: str) -> int:
    raw = _single(args, name)
    if raw is None or raw == "":
        return default
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise ListingParamError(name, f"{label} phải là số nguyên từ {low} đến {high:,}.".replace(",", "."))
    return int(raw)


def _code(args: MultiDict[str, str], name: str, known: Container[str], label: str) -> str | None:
    raw = _single(args, name)
    if not raw:
        return None
    if not _CODE.fullmatch(raw) or raw not in known:
        raise ListingParamError(name, f"Không có {label} với mã “{raw[:64]}”.")
    return raw


def _choice(args: MultiDict[str, str], name: str, allowed: dict[str, str], label: str) -> str | None:
    raw = _single(args, name)
    if not raw:
        return None
    if raw not in allowed:
        listed = ", ".join(f"{k} ({v})" for k, v in allowed.items())
        raise ListingParamError(name, f"{label} phải là một trong: {listed}.")
    return raw


def parse_listing_args(
    args: MultiDict[str, str], *, agency_codes: Container[str], field_codes: Container[str],
    commune_slugs: Container[str] = (),
) -> SearchQuery:
    """Turn a query string into a :class:`SearchQuery`, or raise :class:`ListingParamError`.

    Empty values mean "no filter" (a form's blank select sends them); parameters the portal
    does not know (tracking tags and the like) are ignored.
    """
    q = clean_line(_single(args, "q") or "")
    if len(q) > MAX_QUERY_CHARS:
        raise ListingParamError("q", f"Từ khóa tìm kiếm dài quá {MAX_QUERY_CHARS} ký tự.")
    level = _integer(args, "level", 1, 4, 0, "Mức độ (level)") or None
    sort = _choice(args, "sort", SORT_LABELS, "Cách sắp xếp (sort)") or ("relevance" if q else "name")
    tier = _choice(args, "tier", TIER_LABELS, "Cấp thực hiện (tier)")
    commune = _code(args, "commune", commune_slugs, "xã, phường")
    if commune and tier not in (None, Tier.COMMUNE):
        raise ListingParamError("commune", "Lọc theo xã, phường (commune) chỉ đi với thủ tục cấp xã "
                                "(tier=commune): bỏ bớt một trong hai bộ lọc.")
    return SearchQuery(
        q=q,
        level=level,
        agency=_code(args, "agency", agency_codes, "cơ quan"),
        field=_code(args, "field", field_codes, "lĩnh vực"),
        tier=tier,
        audience=_choice(args, "audience", AUDIENCE_LABELS, "Đối tượng (audience)"),
        online_kind=_choice(args, "online_kind", ONLINE_KIND_LABELS,
                            "Hình thức trực tuyến (online_kind)"),
        commune=commune,
        life_event=_code(args, "life_event", life_event_codes(), "sự kiện cuộc sống"),
        sort=sort,
        page=_integer(args, "page", 1, MAX_PAGE, 1, "Số trang (page)"),
        per_page=_integer(args, "per_page", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE, "Số mục mỗi trang (per_page)"),
    )


def catalogue_names(*asked: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """Agency and field names by code: the filters' known values and the facets' labels
    (read afresh when a code ``asked`` for is not known yet)."""
    reference = read_reference(db.session, stamp=request_stamp(),
                               need_codes=[code for code in asked if code])
    return reference.agencies, reference.fields


def commune_slugs(args: MultiDict[str, str]) -> set[str]:
    """Today's commune slugs, read only when the request filters by one."""
    if not args.get("commune"):
        return set()
    return set(db.session.scalars(select(Commune.slug)))


def parse_request_args(args: MultiDict[str, str]) -> tuple[SearchQuery, dict[str, str], dict[str, str]]:
    agencies, fields = catalogue_names(args.get("agency"), args.get("field"))
    query = parse_listing_args(args, agency_codes=agencies, field_codes=fields,
                               commune_slugs=commune_slugs(args))
    return query, agencies, fields


def facet_labels(agencies: dict[str, str], fields: dict[str, str]) -> dict[str, dict[str, str]]:
    """What each filter value is called on the page, by filter: plain lookups, as a page
    of results names some 130 values."""
    return {"level": {str(k): v for k, v in LEVEL_LABELS.items()}, "agency": agencies,
            "field": fields, "tier": dict(TIER_LABELS), "audience": dict(AUDIENCE_LABELS),
            "online_kind": dict(ONLINE_KIND_LABELS),
            "life_event": {e.code: e.name for e in vocabulary().events}}


def run_search(query: SearchQuery) -> SearchResult:
    """The one place the portal calls the search seam for a list of services.

    ``commune=`` keeps the services handled at that commune's centre: since 1 July 2025
    every commune and ward receives the same commune-tier procedures, so it filters by tier
    ``commune`` (province-tier services are received at the province-level points, listed on
    the commune's page)."""
    if query.commune:
        query = replace(query, tier=Tier.COMMUNE.value)
    return search_services(db.session, query, stamp=request_stamp())


# The characters werkzeug's URL builder leaves unescaped in a query string.
URL_SAFE = "!$'()*,/:;?@"


def listing_url(query: SearchQuery, **changes: object) -> str:
    """The link to the list with ``changes`` applied: what ``url_for("public.services",
    **query_args(...))`` gives, built without the router and re-encoding only the changed
    parameters, as a results page holds some 80 such links (facets, chips, pages) and
    building them dominated its rendering."""
    known = g.get("_listing_links")
    if known is None or known[0] is not query:
        current = query_args(query)
        encoded = {k: _pair(k, v) for k, v in current.items()}
        known = g._listing_links = (query, url_for("public.services"), current, encoded)
    _, base, current, encoded = known
    args = query_args(query, **changes)
    if not args:
        return base
    return base + "?" + "&".join(
        encoded[k] if k in current and current[k] == v else _pair(k, v) for k, v in args.items())


def facet_items(query: SearchQuery, name: str, counts: dict[str, int],
                labels: dict[str, str], by_count: bool = False) -> Markup:
    """A facet's values as the filter column lists them, one ``<li>`` each: ordered by
    value (as Jinja's ``dictsort``) or by count, most first; the link sets the filter, or
    takes it off for the active value. Written here in one pass around the one changing
    parameter, not value by value in the template: a results page lists some 130
    values, and making each through Jinja and ``listing_url`` was a third of a cold
    page's time."""
    if not counts:
        return Markup("")
    if by_count:
        items = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
    else:
        items = sorted(counts.items(), key=lambda kv: kv[0].lower() if isinstance(kv[0], str) else kv[0])
    active = getattr(query, name)
    active = None if active is None else str(active)
    args = query_args(query, **{name: "\x00"})
    keys = list(args)
    at = keys.index(name)
    before = "&".join(_pair(k, args[k]) for k in keys[:at])
    after = "&".join(_pair(k, args[k]) for k in keys[at + 1:])
    head = escape(f"{url_for('public.services')}?{before + '&' if before else ''}{name}=")
    tail = escape(f"&{after}") if after else ""
    out = []
    for value, n in items:
        label = _escaped(labels.get(value, value))
        if active is not None and active == value:
            out.append(f'<li class="facet-active"><a href="{escape(listing_url(query, **{name: None}))}" '
                       f'aria-current="true"><span class="facet-name">{label}</span> <span class="count">'
                       f'{number_vi(n)}</span> <span class="remove" aria-hidden="true">×</span>'
                       f'<span class="visually-hidden"> (bỏ lọc)</span></a></li>')
        else:
            link = f"{head}{_quoted(value)}{tail}"
            out.append(f'<li><a href="{link}"><span class="facet-name">{label}</span> '
                       f'<span class="count">{number_vi(n)}</span></a></li>')
    return Markup("\n".join(out))


@lru_cache(maxsize=4096)
def _quoted(value: object) -> str:
    """A filter value as its link carries it, escaped for the attribute: the same values
    (codes, levels) on every page, quoted once per process."""
    return str(escape(quote_plus(str(value), safe=URL_SAFE)))


@lru_cache(maxsize=4096)
def _escaped(text: str) -> str:
    """Agency, field and filter names, escaped once per process: the same on every page."""
    return str(escape(text))


def _pair(key: str, value: object) -> str:
    return f"{key}={quote_plus(str(value), safe=URL_SAFE)}"


def query_args(query: SearchQuery, **changes: object) -> dict[str, object]:
    """The query string of ``query`` with ``changes`` applied, defaults left out: links and
    canonical URLs stay short and stable."""
    values: dict[str, object] = {
        "q": query.q, "level": query.level, "agency": query.agency, "field": query.field,
        "tier": query.tier, "audience": query.audience, "online_kind": query.online_kind,
        "commune": query.commune, "life_event": query.life_event,
        "sort": None if query.sort == ("relevance" if query.q else "name") else query.sort,
        "page": query.page if query.page != 1 else None,
        "per_page": query.per_page if query.per_page != DEFAULT_PER_PAGE else None,
    }
    values.update(changes)
    if "page" not in changes and any(k in changes for k in PARAMS if k != "page"):
        values["page"] = None  # a new filter starts again at page 1
    if values["page"] == 1:
        values["page"] = None
    return {k: v for k, v in values.items() if v is not None and v != ""}
