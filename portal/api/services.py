"""API: the catalogue's services, as open data (same filters as the /services page)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from catalogue.models import Service
from catalogue.operations import find_service, record_of
from catalogue.validation import CODE_RE

from ..errors import api_error
from ..extensions import db
from ..page_cache import cached
from ..params.listing import ListingParamError, parse_request_args, run_search
from ..public_url import external_url
from . import bp


def _ref(obj: Any) -> dict[str, str]:
    return {"code": obj.code, "name": obj.name}


def _item(service: Service) -> dict[str, Any]:
    return {
        "code": service.code,
        "name": service.name,
        "level": service.level,
        "agency": _ref(service.agency),
        "field": _ref(service.field),
        "url": external_url("public.service", code=service.code),
    }


@bp.get("/services")
@cached
def list_services():
    try:
        query, _, _ = parse_request_args(request.args)
    except ListingParamError as exc:
        return api_error(400, exc.message, "invalid_parameter")
    result = run_search(query)
    return jsonify(
        total=result.total,
        page=query.page,
        per_page=query.per_page,
        items=[_item(hit.service) for hit in result.hits],
        facets=result.facets,
    )


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
