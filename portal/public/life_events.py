"""Views of the life events: the list, one event's services in journey order, and the
step-by-step pages of the linked bundles."""

from __future__ import annotations

from flask import abort, render_template

from catalogue.life_events import (
    AUDIENCE_TITLES,
    bundles_of,
    find_bundle,
    find_event,
    services_for_step,
    services_of_event,
    vocabulary,
)

from ..extensions import db
from ..page_cache import cached
from . import bp


@bp.get("/life-events")
@cached
def life_events():
    groups = [(title, [e for e in vocabulary().events if e.audience == audience])
              for audience, title in AUDIENCE_TITLES.items()]
    return render_template("public/life_events.html", groups=groups, bundles=vocabulary().bundles)


@bp.get("/life-events/<slug>")
@cached
def life_event(slug: str):
    event = find_event(slug)
    if event is None:
        abort(404)
    return render_template("public/life_event.html", event=event, bundles=bundles_of(event.code),
                           services=services_of_event(db.session, event))


@bp.get("/life-events/<slug>/<bundle>")
@cached
def life_event_bundle(slug: str, bundle: str):
    event, found = find_event(slug), find_bundle(slug, bundle)
    if event is None or found is None:
        abort(404)
    steps = [(step, services_for_step(db.session, step)) for step in found.steps]
    together = services_for_step(db.session, found.together) if found.together else []
    return render_template("public/life_event_bundle.html", event=event, bundle=found, steps=steps,
                           together=together)
