"""API: GET /api/v1/places?q= — today's communes for what a person typed, old names too."""

from __future__ import annotations

from flask import jsonify, request

from catalogue.places import find_places, place_item

from ..extensions import db
from . import bp


@bp.get("/places")
def list_places():
    communes = find_places(db.session, request.args.get("q", ""))
    return jsonify({"places": [place_item(c) for c in communes]})
