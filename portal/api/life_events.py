"""API: GET /api/v1/life-events — the life events, their bundles, and how many services each."""

from __future__ import annotations

from flask import jsonify

from catalogue.life_events import bundles_of, codes_by_event, vocabulary

from ..extensions import db
from ..public_url import external_url
from . import bp


@bp.get("/life-events")
def list_life_events():
    items = []
    codes = codes_by_event(db.session)
    for event in vocabulary().events:
        items.append({
            "code": event.code,
            "name": event.name,
            "audience": event.audience,
            "description": event.description,
            "url": external_url("public.life_event", slug=event.code),
            "services": codes[event.code],
            "bundles": [{"code": b.code, "name": b.name,
                         "url": external_url("public.life_event_bundle", slug=event.code,
                                             bundle=b.code)}
                        for b in bundles_of(event.code)],
        })
    return jsonify({"life_events": items})
