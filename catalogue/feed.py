"""What a feed of the catalogue tells: services newly published, changed while public, and
withdrawn, newest first, read from the revision history (one revision, one entry).

A revision is news to the public only when the public could see it: a publish or a
restore to published (new), any other change of a published service (changed), and an
archive or unpublish of a published one (withdrawn). Drafts never appear. Agency and
field filters match the service's state at that revision (a service moved from one
agency to another shows in each agency's feed for its time there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from .checks import LABELS
from .models import Agency, Field, Revision, Service, Status

NEW, CHANGED, WITHDRAWN = "new", "changed", "withdrawn"
KIND_LABELS = {NEW: "Mới công bố", CHANGED: "Thay đổi", WITHDRAWN: "Ngừng cung cấp"}
# Values shorter than this are quoted in the entry ("Thời hạn giải quyết: 5 → 3"); longer
# ones (procedure texts, lists) are named as changed.
QUOTE_UP_TO = 120
DEFAULT_ENTRIES = 50


@dataclass(frozen=True)
class FeedEntry:
    revision_id: int
    number: int
    kind: str
    code: str
    name: str
    agency: str
    field: str
    level: int
    at: datetime
    changes: tuple[str, ...]


def kind_of(revision: Revision) -> str | None:
    """new, changed, withdrawn, or None when the public saw nothing of this revision."""
    moved = revision.changes.get("status") if isinstance(revision.changes, dict) else None
    before = moved[0] if isinstance(moved, list) and len(moved) == 2 else None
    if revision.status == Status.PUBLISHED:
        return NEW if before is not None and before != Status.PUBLISHED else CHANGED
    if before == Status.PUBLISHED:
        return WITHDRAWN
    return None


def _shown(value: Any) -> str | None:
    if value is None or value == "" or value == []:
        return "(trống)"
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, str) and len(value) <= QUOTE_UP_TO and "\n" not in value:
        return f"“{value}”"
    return None


def describe_changes(changes: dict[str, Any]) -> tuple[str, ...]:
    """Each changed key in Vietnamese, with old → new where it is short enough to read."""
    lines = []
    for key, pair in changes.items():
        if key == "status":
            continue
        label = LABELS.get(key, key)
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        shown_old, shown_new = _shown(old), _shown(new)
        if shown_old is not None and shown_new is not None:
            lines.append(f"{label}: {shown_old} → {shown_new}")
        else:
            lines.append(f"{label}: đã thay đổi")
    return tuple(lines)


def list_feed_entries(
    session: Session, *, agency: str | None = None, field: str | None = None, limit: int = DEFAULT_ENTRIES
) -> list[FeedEntry]:
    """The latest public events of the catalogue, newest first (by when they took effect)."""
    state_agency, state_field = aliased(Agency), aliased(Field)
    query = (
        select(Revision, Service.code, Service.name, state_agency.name, state_field.name)
        .join(Service, Service.id == Revision.service_id)
        .join(state_agency, state_agency.id == Revision.agency_id)
        .join(state_field, state_field.id == Revision.field_id)
        .where(Revision.action != "create")
        .order_by(Revision.effective_at.desc(), Revision.id.desc())
    )
    if agency:
        query = query.where(state_agency.code == agency)
    if field:
        query = query.where(state_field.code == field)
    entries: list[FeedEntry] = []
    # Read in pages: most revisions are news, a few (drafts) are skipped.
    offset, page = 0, max(limit * 2, 50)
    while len(entries) < limit:
        rows: Sequence[Any] = session.execute(query.offset(offset).limit(page)).all()
        for revision, code, name, agency_name, field_name in rows:
            kind = kind_of(revision)
            if kind is None:
                continue
            snapshot = revision.snapshot if isinstance(revision.snapshot, dict) else {}
            entries.append(FeedEntry(
                revision.id, revision.number, kind, code, snapshot.get("name") or name,
                agency_name, field_name,
                int(revision.level), revision.effective_at,
                describe_changes(revision.changes) if kind == CHANGED else (),
            ))
            if len(entries) == limit:
                break
        if len(rows) < page:
            break
        offset += page
    return entries
