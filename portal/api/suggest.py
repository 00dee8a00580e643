"""API: GET /api/v1/suggest?q= — names starting like what is being typed (search-as-you-type)."""

from __future__ import annotations

from flask import jsonify, request

from catalogue.search import IndexUnavailable, suggest

from ..errors import api_error
from ..extensions import db
from ..page_cache import cached
from . import bp

MAX_SUGGESTIONS = 10


@bp.get("/suggest")
@cached
def suggest_services():
    q = request.args.get("q", "")
    try:
        rows = suggest(db.session, q, MAX_SUGGESTIONS)
    except IndexUnavailable:
        return api_error(503, "Chức năng tìm kiếm đang được cập nhật. Vui lòng thử lại sau giây lát.")
    return jsonify({"suggestions": [{"code": code, "name": name} for code, name in rows]})
