"""/api: the open data API explained for people (Vietnamese), beside the machine
description at /api/v1/openapi.json: what there is, how to page, the limits, the licence."""

from __future__ import annotations

from flask import render_template, request

from ..api.openapi import ATTRIBUTION, LICENCE
from ..page_cache import cached
from ..params.listing import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE
from . import bp


@bp.get("/api")
@cached
def api_docs():
    return render_template(
        "public/api.html", root=request.url_root.rstrip("/"), licence=LICENCE, attribution=ATTRIBUTION,
        max_per_page=MAX_PER_PAGE, default_per_page=DEFAULT_PER_PAGE, max_page=MAX_PAGE,
    )
