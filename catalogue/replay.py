"""A catalogue file whose services carry their history, replayed through the domain.

The demo file (catalogue/demo/daklak.json.gz) is a contract catalogue file: ``import``
reads it as today's catalogue. Each service may also hold ``history``: dated states
``[{"at": ISO instant, "set": {keys that change}}, ...]``, the first setting the state
it was published (or archived) in. ``load-demo`` replays them here with the domain's own
revision writing (create, change_status, update_service with ``effective_at`` in the
past), so the as-of counts, growth and service pages see the catalogue's whole story.
Each state is checked by the one rule set for the day it took effect; nothing is written
unless every service of the file passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from .file_formats import Catalogue, ImportFileError, Problem
from .models import Service, Status
from .operations import Actor, Lookups, change_status, create_service, update_service
from .transfer import import_catalogue
from .validation import ValidationError, parse_timestamp, validate_service
from .vocabulary import VIETNAM_TZ


@dataclass
class ReplayReport:
    services: int = 0
    revisions: int = 0


def _states(record: Mapping[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    """(instant, full record) after each dated state, oldest first."""
    current = {k: v for k, v in record.items() if k != "history"}
    states = []
    for entry in record.get("history") or []:
        current = {**current, **entry["set"]}
        states.append((parse_timestamp(entry["at"]), dict(current)))
    return states


def replay_catalogue(session: Session, cat: Catalogue, actor: Actor) -> ReplayReport:
    """Agencies and fields as ``import`` writes them, then each service through its
    history (a service without one is imported as the file gives it)."""
    plain = Catalogue(cat.agencies, cat.fields,
                      [(w, s) for w, s in cat.services if not s.get("history")])
    import_catalogue(session, plain, actor)
    lookups = Lookups.load(session)
    report = ReplayReport(services=len(plain.services))
    problems: list[Problem] = []
    for where, record in cat.services:
        if not record.get("history"):
            continue
        try:
            report.revisions += _replay_one(session, record, actor, lookups)
        except (ValidationError, KeyError, TypeError, ValueError) as exc:
            problems.append(Problem(f"{where} (mã {record.get('code')})", str(exc)))
            continue
        report.services += 1
    if problems:
        raise ImportFileError(problems)
    session.flush()
    return report


def _replay_one(session: Session, record: Mapping[str, Any], actor: Actor,
                lookups: Lookups) -> int:
    states = _states(record)
    written = 0
    service: Service | None = None
    for instant, state in states:
        day = instant.astimezone(VIETNAM_TZ).date()
        status = state.get("status", Status.DRAFT)
        public = day if status == Status.PUBLISHED else None
        clean = validate_service(state, agency_codes=lookups.agencies, field_codes=lookups.fields,
                                 published_on=public)
        if service is None:
            service = create_service(session, clean, actor, lookups)
            written += 1
        elif update_service(session, service, clean, actor, expected_version=None,
                            lookups=lookups, effective_at=instant) is not None:
            written += 1
        if status != service.status:
            change_status(session, service, status, actor, effective_at=instant, check=False)
            written += 1
    if service is not None and record.get("updated_at"):
        service.updated_at = parse_timestamp(record["updated_at"])
    return written
