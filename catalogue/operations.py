"""Domain operations on services: small verb_noun functions that change the model.

They flush, record a revision and a change-log row, and never commit: the caller (one
place per request or per CLI command) owns the transaction, so a failure anywhere leaves
nothing half-written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .clock import start_of_day
from .completeness import missing_mask
from .history import close_superseded
from .models import Agency, ChangeLog, Field, Revision, Service, Status, User, now_utc
from .record_shape import channel_item, document_item, form_item
from .validation import check_publishable
from .vocabulary import VIETNAM_TZ, default_online_kind

# Keys of the record an editor changes; status and timestamps move through the workflow.
CONTENT_KEYS = (
    "code", "name", "level", "agency", "field", "tier", "audience", "summary", "steps",
    "method", "documents", "document_notes", "channels", "processing_days", "fees", "result",
    "legal_basis", "requirements", "forms", "online_url", "online_kind", "partial_reason",
    "decision", "effective_from", "abolished_on", "life_events",
)

# Which status may follow which, and the name the history gives the move.
TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.DRAFT, Status.PUBLISHED): "publish",
    (Status.PUBLISHED, Status.ARCHIVED): "archive",
    (Status.DRAFT, Status.ARCHIVED): "archive",
    (Status.ARCHIVED, Status.PUBLISHED): "restore",
    (Status.ARCHIVED, Status.DRAFT): "restore",
    (Status.PUBLISHED, Status.DRAFT): "unpublish",
}


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a signed-in user, or a command such as ``import``."""

    label: str
    user_id: int | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(label=user.email, user_id=user.id)


class ConflictError(Exception):
    """The edit was made from an outdated copy; ``newer`` lists what changed meanwhile."""

    def __init__(self, service: Service, newer: list[Revision]):
        super().__init__(f"service {service.code} changed since the copy was made")
        self.service = service
        self.newer = newer


class TransitionError(Exception):
    def __init__(self, current: str, target: str):
        super().__init__(f"cannot move from {current} to {target}")
        self.current = current
        self.target = target


@dataclass
class Lookups:
    """Agencies and fields by code, loaded once for a batch of records."""

    agencies: dict[str, Agency] = field(default_factory=dict)
    fields: dict[str, Field] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Lookups:
        return cls(
            agencies={a.code: a for a in session.scalars(select(Agency))},
            fields={f.code: f for f in session.scalars(select(Field))},
        )


def iso(stamp: datetime | None) -> str | None:
    """Timestamps leave the portal in Vietnam time, ISO 8601 with offset."""
    return stamp.astimezone(VIETNAM_TZ).isoformat(timespec="seconds") if stamp else None


def content_of(service: Service) -> dict[str, Any]:
    """The editable part of the record, as the contract spells it."""
    return {
        "code": service.code,
        "name": service.name,
        "level": service.level,
        "agency": service.agency.code,
        "field": service.field.code,
        "tier": service.tier,
        "audience": service.audience,
        "summary": service.summary,
        "steps": list(service.steps or []),
        "method": service.method,
        "documents": [document_item(d) for d in service.documents or []],
        "document_notes": list(service.document_notes or []),
        "channels": [channel_item(c) for c in service.channels or []],
        "processing_days": service.processing_days,
        "fees": service.fees,
        "result": service.result,
        "legal_basis": list(service.legal_basis or []),
        "requirements": service.requirements,
        "forms": [form_item(f) for f in service.forms or []],
        "online_url": service.online_url,
        "online_kind": service.online_kind,
        "partial_reason": service.partial_reason,
        "decision": {
            "number": service.decision_number,
            "date": service.decision_date.isoformat() if service.decision_date else None,
        } if service.decision_number or service.decision_date else None,
        "effective_from": _iso_day(service.effective_from),
        "abolished_on": _iso_day(service.abolished_on),
        "life_events": list(service.life_events or []),
    }


def _iso_day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def record_of(service: Service) -> dict[str, Any]:
    """The whole record of the contract, as export and the API give it."""
    record = content_of(service)
    record["status"] = service.status
    record["published_at"] = iso(service.published_at)
    record["updated_at"] = iso(service.updated_at)
    record["reviewed_at"] = iso(service.reviewed_at)
    return record


def diff_content(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {k: [old.get(k), new.get(k)] for k in CONTENT_KEYS if old.get(k) != new.get(k)}


def _apply_content(service: Service, clean: Mapping[str, Any], lookups: Lookups) -> None:
    for key in CONTENT_KEYS:
        if key == "agency":
            service.agency = lookups.agencies[clean["agency"]]
        elif key == "field":
            service.field = lookups.fields[clean["field"]]
        elif key == "decision":
            decision = clean.get("decision") or {}
            service.decision_number = decision.get("number") or None
            service.decision_date = _day(decision.get("date"))
        elif key in ("effective_from", "abolished_on"):
            setattr(service, key, _day(clean.get(key)))
        elif key in ("online_kind", "partial_reason") and key not in clean:
            # A record written before these keys existed (a revert to an old revision).
            if key == "online_kind":
                service.online_kind = default_online_kind(clean["level"])
            else:
                service.partial_reason = None
        else:
            setattr(service, key, clean[key])


def revision_state(service: Any, snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """The state columns a revision keeps of its service (what the as-of counts and the
    index readiness read), said once for the ORM path here and the bulk import
    (catalogue.bulk); ``snapshot`` is the service's record (:func:`record_of`)."""
    return {
        "missing_parts": missing_mask(snapshot),
        "decision_date": service.decision_date,
        "partial_reason": service.partial_reason,
        "status": service.status,
        "level": service.level,
        "tier": service.tier,
        "audience": service.audience,
        "online_kind": service.online_kind,
        "applies_from": start_of_day(service.effective_from),
        "applies_until": start_of_day(service.abolished_on),
    }


def _record_revision(
    session: Session,
    service: Service,
    action: str,
    actor: Actor,
    changes: Mapping[str, Any],
    *,
    effective_at: datetime | None = None,
) -> Revision:
    session.flush()  # the service has its id and its new version number
    number = (
        session.scalar(
            select(func.max(Revision.number)).where(Revision.service_id == service.id)
        )
        or 0
    ) + 1
    snapshot = record_of(service)
    revision = Revision(
        service_id=service.id,
        number=number,
        version=service.version,
        action=action,
        user_id=actor.user_id,
        actor=actor.label,
        recorded_at=now_utc(),
        effective_at=effective_at or now_utc(),
        changes=dict(changes),
        snapshot=snapshot,
        agency_id=service.agency_id,
        field_id=service.field_id,
        **revision_state(service, snapshot),
    )
    session.add(revision)
    session.add(ChangeLog(service_id=service.id, code=service.code))
    session.flush()
    close_superseded(session, revision)
    return revision


def mark_services_changed(session: Session, *, agency_ids: set[int], field_ids: set[int]) -> int:
    """An agency or field renamed (or an agency moved) changes the pages and search
    documents of its services without a revision of theirs: a change-log row for each
    tells the search index and the page cache of every process. Returns how many."""
    if not agency_ids and not field_ids:
        return 0
    rows = session.execute(
        select(Service.id, Service.code).where(
            Service.agency_id.in_(sorted(agency_ids)) | Service.field_id.in_(sorted(field_ids)))
    ).all()
    session.add_all(ChangeLog(service_id=sid, code=code) for sid, code in rows)
    session.flush()
    return len(rows)


def create_service(
    session: Session, clean: Mapping[str, Any], actor: Actor, lookups: Lookups | None = None
) -> Service:
    """A new service starts as a draft; publishing is its own step."""
    lookups = lookups or Lookups.load(session)
    service = Service(status=Status.DRAFT.value)
    _apply_content(service, clean, lookups)
    service.created_at = service.updated_at = now_utc()
    session.add(service)
    session.flush()
    changes = {k: [None, v] for k, v in content_of(service).items() if v not in (None, "", [])}
    _record_revision(session, service, "create", actor, changes)
    return service


def check_version(session: Session, service: Service, expected_version: int | None) -> None:
    """Refuse a change made from an outdated copy, naming what changed since."""
    if expected_version is not None and expected_version != service.version:
        newer = list(
            session.scalars(
                select(Revision)
                .where(Revision.service_id == service.id, Revision.version > expected_version)
                .order_by(Revision.number)
            )
        )
        raise ConflictError(service, newer)


def update_service(
    session: Session,
    service: Service,
    clean: Mapping[str, Any],
    actor: Actor,
    *,
    expected_version: int | None,
    lookups: Lookups | None = None,
    action: str = "update",
    effective_at: datetime | None = None,
) -> Revision | None:
    """Apply new content; returns the revision, or None when nothing changed.

    ``effective_at`` dates a change brought in with its history (default: now).
    """
    check_version(session, service, expected_version)
    lookups = lookups or Lookups.load(session)
    changes = diff_content(content_of(service), clean)
    if not changes:
        return None
    _apply_content(service, clean, lookups)
    service.updated_at = now_utc()
    return _record_revision(session, service, action, actor, changes, effective_at=effective_at)


def change_status(
    session: Session,
    service: Service,
    target: str,
    actor: Actor,
    *,
    expected_version: int | None = None,
    effective_at: datetime | None = None,
    check: bool = True,
) -> Revision:
    """Move a service through the workflow: publish, archive, restore, unpublish.

    Publishing checks what the law in force on that day asks (validation.
    check_publishable) and raises its ``ValidationError``; import, whose records were
    checked for their own publication day already, passes ``check=False``.
    """
    check_version(session, service, expected_version)
    action = TRANSITIONS.get((Status(service.status), Status(target)))
    if action is None:
        raise TransitionError(service.status, target)
    from_status = service.status
    when = effective_at or now_utc()
    if target == Status.PUBLISHED and check:
        check_publishable(content_of(service), when.astimezone(VIETNAM_TZ).date())
    service.status = target
    if target == Status.PUBLISHED and service.published_at is None:
        service.published_at = when
    service.updated_at = when
    return _record_revision(
        session, service, action, actor, {"status": [from_status, target]}, effective_at=when
    )


def find_service(session: Session, code: str) -> Service | None:
    return session.scalar(select(Service).where(Service.code == code))


# The bulk import (catalogue/bulk.py) builds its rows with the same content rule.
apply_content = _apply_content
