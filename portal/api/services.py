"""API: the catalogue's services, as open data (same filters as the /services page)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import jsonify, request

from catalogue.operations import find_service, record_of
from catalogue.search import SearchQuery
from catalogue.search.cards import ServiceCard
from catalogue.validation import CODE_RE

from ..errors import api_error
from ..extensions import db
from ..page_cache import cached
from ..params.listing import ListingParamError, parse_request_args, query_args, run_search
from ..public_url import external_url
from . import bp


def _ref(obj: Any) -> dict[str, str]:
    return {"code": obj.code, "name": obj.name}


def _item(service: ServiceCard, page_base: str) -> dict[str, Any]:
    return {
        "code": service.code,
        "name": service.name,
        "level": service.level,
        "agency": _ref(service.agency),
        "field": _ref(service.field),
        "url": page_base + quote(service.code, safe=""),
    }


@bp.get("/services")
@cached
def list_services():
    try:
        query, _, _ = parse_request_args(request.args)
    except ListingParamError as exc:
        return api_error(400, exc.message, "invalid_parameter")
    result = run_search(query)
    last = max(1, -(-result.total // query.per_page))
    if query.page > last:
        return api_error(404, f"Trang {query.page} không có: kết quả có {last} trang "
                              f"({result.total} dịch vụ, {query.per_page} mục mỗi trang).", "page_not_found")
    links = _links(query, last)
    # Each item's page: the router asked once (codes are ASCII: CODE_RE), not per item.
    page_base = external_url("public.service", code="-")[:-1]
    response = jsonify(
        total=result.total,
        page=query.page,
        per_page=query.per_page,
        items=[_item(hit.service, page_base) for hit in result.hits],
        facets=result.facets,
        links={key: links.get(key) for key in ("self", "next", "prev")},
    )
    response.headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url)
    return response


def _links(query: SearchQuery, last: int) -> dict[str, str | None]:
    """Absolute URLs of this page, its neighbours and the ends, with the same filters
    (RFC 8288 names: the JSON carries self/next/prev, the Link header all five)."""
    def at(page: int) -> str:
        return external_url("api.list_services", **query_args(query, page=page))

    return {
        "self": at(query.page),
        "next": at(query.page + 1) if query.page < last else None,
        "prev": at(query.page - 1) if query.page > 1 else None,
        "first": at(1),
        "last": at(last),
    }


@bp.get("/services/<code>")
@cached
def get_service(code: str):
    service = find_service(db.session, code) if CODE_RE.match(code) else None
    if service is None or not service.is_public:
        return api_error(404, f"Không có dịch vụ công nào mang mã “{code[:64]}”.")
    record = record_of(service)
    record["agency"] = _ref(service.agency)
    record["field"] = _ref(service.field)
    return jsonify(record)
