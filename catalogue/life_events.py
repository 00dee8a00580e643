"""Life events: how people think of public services ("có con nhỏ", "kết hôn", "người thân
qua đời"), after the National Public Service Portal's groups (11 for citizens, 10 for
businesses), with the linked bundles as step-by-step journeys.

The events and bundles are data (``catalogue/data/life_events.json``), read once: a
service's ``life_events`` must name codes found there (the one rule set checks it), and an
event's page lists its services in the order a person meets them (the event's
``journey``: birth registration before residence before the health-insurance card).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, NamedTuple

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from .freshness import catalogue_stamp
from .models import Service, Status
from .text import fold, sort_key

DATA_FILE = "life_events.json"
AUDIENCE_TITLES = {"citizen": "Công dân", "business": "Doanh nghiệp"}


@dataclass(frozen=True)
class LifeEvent:
    code: str
    name: str
    audience: str
    description: str
    journey: tuple[str, ...]


@dataclass(frozen=True)
class BundleStep:
    title: str
    text: str
    codes: tuple[str, ...]
    match: tuple[str, ...]


@dataclass(frozen=True)
class Bundle:
    code: str
    event: str
    name: str
    intro: str
    together: BundleStep | None
    steps: tuple[BundleStep, ...]


@dataclass(frozen=True)
class Vocabulary:
    events: tuple[LifeEvent, ...]
    bundles: tuple[Bundle, ...]

    @functools.cached_property
    def by_code(self) -> dict[str, LifeEvent]:
        return {e.code: e for e in self.events}


def _step(raw: dict[str, Any], title: str = "") -> BundleStep:
    return BundleStep(raw.get("title", title), raw.get("text", ""), tuple(raw.get("codes", ())),
                      tuple(raw.get("match", ())))


@functools.cache
def vocabulary() -> Vocabulary:
    raw = json.loads((resources.files("catalogue") / "data" / DATA_FILE).read_text(encoding="utf-8"))
    events = tuple(LifeEvent(e["code"], e["name"], e["audience"], e["description"], tuple(e["journey"]))
                   for e in raw["events"])
    bundles = tuple(Bundle(b["code"], b["event"], b["name"], b["intro"],
                           _step(b["together"], "Làm một lần cho tất cả") if b.get("together") else None,
                           tuple(_step(s) for s in b["steps"])) for b in raw["bundles"])
    return Vocabulary(events, bundles)


def life_event_codes() -> set[str]:
    return set(vocabulary().by_code)


def find_event(code: str) -> LifeEvent | None:
    return vocabulary().by_code.get(code)


def find_bundle(event: str, code: str) -> Bundle | None:
    return next((b for b in vocabulary().bundles if b.event == event and b.code == code), None)


def bundles_of(event: str) -> list[Bundle]:
    return [b for b in vocabulary().bundles if b.event == event]


def journey_key(event: LifeEvent, name: str) -> tuple[int, int, tuple[str, str]]:
    """Where a service stands in the event's journey: the first journey words its name holds,
    then the plain procedure before its special cases (shorter names first), then A–Z."""
    folded = fold(name)
    step = next((i for i, words in enumerate(event.journey) if words in folded), len(event.journey))
    return step, len(name), sort_key(name)


def _tagged(event: LifeEvent) -> Any:
    """Published services whose tags may hold ``event`` (the caller checks the list)."""
    return (Service.status == Status.PUBLISHED) & cast(Service.life_events, String).like(f'%"{event.code}"%')


def services_of_event(session: Session, event: LifeEvent) -> list[Service]:
    """Published services tagged with ``event``, in the order a person meets them: which
    and in what order as :func:`journeys` says (the event's page, its service pages and
    the API agree), the whole records loaded for the page's cards."""
    ordered = journeys(session).get(event.code, [])
    if not ordered:
        return []
    found = {s.id: s for s in session.scalars(select(Service).where(_tagged(event)))}
    return [found[j.id] for j in ordered if j.id in found]


def codes_by_event(session: Session) -> dict[str, list[str]]:
    """Codes of the published services of every event, in journey order (the API's
    whole list)."""
    return {event: [j.code for j in items] for event, items in journeys(session).items()}


def services_for_step(session: Session, step: BundleStep, limit: int = 3) -> list[Service]:
    """The published services that carry out one step: its national codes first, else the
    services whose names hold one of its phrases (shortest names first)."""
    if step.codes:
        found = list(session.scalars(select(Service).where(Service.code.in_(step.codes),
                                                           Service.status == Status.PUBLISHED)))
        if found:
            return sorted(found, key=lambda s: step.codes.index(s.code))[:limit]
    if not step.match:
        return []
    named = session.execute(select(Service.id, Service.name).where(Service.status == Status.PUBLISHED))
    ids = [i for i, name in named if any(m in fold(name) for m in step.match)]
    if not ids:
        return []
    found = list(session.scalars(select(Service).where(Service.id.in_(ids))))
    return sorted(found, key=lambda s: (len(s.name), sort_key(s.name)))[:limit]


class Journey(NamedTuple):
    """One published service of an event, as a service page links to it."""

    id: int
    code: str
    name: str


# Every event's services in journey order, per database, with the catalogue stamp they
# were read under (freshness.py): read in one pass, kept until a change is committed.
_journeys: dict[str, tuple[tuple[int, int], dict[str, list[Journey]]]] = {}


def journeys(session: Session) -> dict[str, list[Journey]]:
    """Each event's published services, in the order a person meets them. One read of
    four columns for all events, kept while the catalogue does not change: every service
    page asks, and at 100,000 services reading an event's tagged services took half a
    second a page."""
    engine = session.get_bind()
    stamp = catalogue_stamp(engine)  # type: ignore[arg-type]
    key = engine.url.render_as_string(hide_password=True)
    known = _journeys.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    rows = session.execute(select(Service.id, Service.code, Service.name, Service.life_events).where(
        Service.status == Status.PUBLISHED, cast(Service.life_events, String) != "[]"))
    found: dict[str, list[Journey]] = {e.code: [] for e in vocabulary().events}
    for service_id, code, name, events in rows:
        for event in events or []:
            if event in found:
                found[event].append(Journey(service_id, code, name))
    by_code = vocabulary().by_code
    ordered = {event: sorted(items, key=lambda j, e=by_code[event]: journey_key(e, j.name))
               for event, items in found.items()}
    _journeys[key] = (stamp, ordered)
    return ordered


def related_services(session: Session, service: Service,
                     limit: int = 6) -> list[tuple[LifeEvent, list[Journey]]]:
    """For each life event of ``service``, the first ``limit`` of the event's other
    services in journey order: what a service page links to."""
    related: list[tuple[LifeEvent, list[Journey]]] = []
    events = [e for e in map(find_event, service.life_events or []) if e is not None]
    if not events:
        return related
    ordered = journeys(session)
    for event in events:
        others = [j for j in ordered.get(event.code, [])[:limit + 1] if j.id != service.id]
        related.append((event, others[:limit]))
    return related
