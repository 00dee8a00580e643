"""Import and export of whole catalogues (the files themselves: :mod:`catalogue.file_formats`).

Import is all-or-nothing: the file is read and every row validated before anything is
written, and every bad row is reported with its place (JSON index or CSV line) and reason.
Export then import into an empty database gives back the same catalogue, history included
(status and publication date travel with each service).
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .file_formats import Catalogue, ImportFileError, Problem, file_kind, write_csv
from .models import Agency, Field, Service, Status, now_utc
from .operations import (
    Actor,
    Lookups,
    change_status,
    create_service,
    mark_services_changed,
    record_of,
    update_service,
)
from .validation import (
    ValidationError,
    validate_agency,
    validate_field,
    validate_service,
)


@dataclass
class ImportReport:
    agencies: int = 0
    fields: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


# ---------------------------------------------------------------- importing


def _check_agency_tree(parents: Mapping[str, str | None]) -> list[Problem]:
    problems = []
    for code in parents:
        seen = {code}
        parent = parents[code]
        while parent is not None:
            if parent in seen:
                problems.append(Problem(f"agencies ({code})", "cây cơ quan có vòng lặp."))
                break
            seen.add(parent)
            parent = parents.get(parent)
    return problems


def _validate_refs(
    items: list[tuple[str, Any]],
    validate: Callable[[Any, int], dict[str, Any]],
    what: str,
    problems: list[Problem],
) -> dict[str, dict[str, Any]]:
    """Agencies or fields of a file, by code; their problems are added to ``problems``."""
    clean_items: dict[str, dict[str, Any]] = {}
    for index, (where, item) in enumerate(items):
        try:
            clean = validate(item, index)
        except ValidationError as exc:
            problems.extend(Problem(where, e.message.split(": ", 1)[-1]) for e in exc.errors)
            continue
        if clean["code"] in clean_items:
            problems.append(Problem(where, f"{what} “{clean['code']}” bị trùng."))
        clean_items[clean["code"]] = clean
    return clean_items


def import_catalogue(session: Session, cat: Catalogue, actor: Actor) -> ImportReport:
    """Validate everything, then write everything; raises :class:`ImportFileError` first."""
    problems: list[Problem] = []
    existing = Lookups.load(session)

    agencies = _validate_refs(cat.agencies, validate_agency, "mã cơ quan", problems)
    agency_codes = set(existing.agencies) | set(agencies)
    parents = {code: a.parent.code if a.parent else None for code, a in existing.agencies.items()}
    parents.update({code: a["parent"] for code, a in agencies.items()})
    for where, item in cat.agencies:
        code = item.get("code") if isinstance(item, Mapping) else None
        parent = agencies.get(code, {}).get("parent") if isinstance(code, str) else None
        if parent is not None and parent not in agency_codes:
            problems.append(Problem(where, f"cơ quan cấp trên “{parent}” không có trong danh mục."))
    problems.extend(_check_agency_tree(parents))

    fields = _validate_refs(cat.fields, validate_field, "mã lĩnh vực", problems)
    field_codes = set(existing.fields) | set(fields)

    services: list[dict[str, Any]] = []
    seen_codes: dict[str, str] = {}
    for where, item in cat.services:
        if isinstance(item, Exception):
            problems.append(Problem(where, str(item)))
            continue
        if not isinstance(item, Mapping):
            problems.append(Problem(where, "mỗi dịch vụ phải là một đối tượng JSON."))
            continue
        label = where
        if isinstance(item.get("code"), str):
            label = f"{where} (mã {item['code']})"
        try:
            clean = validate_service(
                item, agency_codes=agency_codes, field_codes=field_codes, with_history=True
            )
        except ValidationError as exc:
            problems.extend(Problem(label, e.message) for e in exc.errors)
            continue
        if clean["code"] in seen_codes:
            problems.append(Problem(label, f"mã thủ tục trùng với {seen_codes[clean['code']]}."))
            continue
        seen_codes[clean["code"]] = where
        services.append(clean)

    if problems:
        raise ImportFileError(problems)
    return _write(session, agencies, fields, services, existing, actor)


def _write(
    session: Session,
    agencies: dict[str, dict[str, Any]],
    fields: dict[str, dict[str, Any]],
    services: list[dict[str, Any]],
    lookups: Lookups,
    actor: Actor,
) -> ImportReport:
    report = ImportReport()
    renamed_agencies: list[Agency] = []
    renamed_fields: list[Field] = []
    for code, data in agencies.items():
        agency = lookups.agencies.get(code)
        if agency is None:
            agency = lookups.agencies[code] = Agency(code=code, name=data["name"])
            session.add(agency)
        elif agency.name != data["name"]:
            renamed_agencies.append(agency)
        agency.name = data["name"]
        report.agencies += 1
    for code, data in agencies.items():
        agency = lookups.agencies[code]
        parent = lookups.agencies.get(data["parent"]) if data["parent"] else None
        if agency.id is not None and agency.parent is not parent:
            renamed_agencies.append(agency)
        agency.parent = parent
    for code, data in fields.items():
        item = lookups.fields.get(code)
        if item is None:
            item = lookups.fields[code] = Field(code=code, name=data["name"])
            session.add(item)
        elif item.name != data["name"]:
            renamed_fields.append(item)
        item.name = data["name"]
        report.fields += 1
    session.flush()
    # A renamed or moved agency shows in the pages of its services and of those below it.
    agency_ids = {a.id for a in renamed_agencies}
    while True:
        below = {a.id for a in lookups.agencies.values() if a.parent_id in agency_ids} - agency_ids
        if not below:
            break
        agency_ids |= below
    mark_services_changed(session, agency_ids=agency_ids, field_ids={f.id for f in renamed_fields})

    current = {
        s.code: s
        for s in session.scalars(
            select(Service).where(Service.code.in_([c["code"] for c in services]))
        )
    } if services else {}
    for clean in services:
        service = current.get(clean["code"])
        if service is None:
            _import_new(session, clean, actor, lookups)
            report.created += 1
            continue
        changed = update_service(
            session, service, clean, actor, expected_version=None, lookups=lookups, action="import"
        )
        if clean["status"] != service.status:
            change_status(session, service, clean["status"], actor, check=False)
            changed = True
        report.updated += 1 if changed else 0
        report.unchanged += 0 if changed else 1
    session.flush()
    return report


def _import_new(session: Session, clean: dict[str, Any], actor: Actor, lookups: Lookups) -> None:
    """A new service keeps its history: published on ``published_at``, archived after."""
    service = create_service(session, clean, actor, lookups)
    status = clean["status"]
    if status != Status.DRAFT:
        published_at: datetime = clean.get("published_at") or now_utc()
        change_status(session, service, Status.PUBLISHED, actor, effective_at=published_at,
                      check=False)
        if status == Status.ARCHIVED:
            archived_at = clean.get("updated_at") or now_utc()
            change_status(session, service, Status.ARCHIVED, actor,
                          effective_at=max(archived_at, published_at))
    if clean.get("updated_at"):
        service.updated_at = clean["updated_at"]


# ---------------------------------------------------------------- exporting


def catalogue_dict(session: Session) -> dict[str, Any]:
    agencies = list(session.scalars(select(Agency).order_by(Agency.code)))
    by_depth = sorted(agencies, key=lambda a: (_depth(a), a.code))
    return {
        "agencies": [a.to_dict() for a in by_depth],
        "fields": [f.to_dict() for f in session.scalars(select(Field).order_by(Field.code))],
        "services": [record_of(s) for s in _all_services(session)],
    }


def _depth(agency: Agency) -> int:
    depth = 0
    while agency.parent is not None:
        agency, depth = agency.parent, depth + 1
    return depth


def _all_services(session: Session) -> Iterable[Service]:
    return session.scalars(select(Service).order_by(Service.code).options(selectinload(Service.agency)))


def export_catalogue(session: Session, path: str | os.PathLike[str]) -> int:
    """Write the whole catalogue; the file is replaced only once completely written."""
    path = Path(path)
    kind = file_kind(path)
    data = catalogue_dict(session)
    tmp = path.with_name(f".{path.name}.tmp")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(tmp, "wt", encoding="utf-8", newline="") as out:
        if kind == "json":
            json.dump(data, out, ensure_ascii=False, indent=1)
            out.write("\n")
        else:
            write_csv(data["services"], out)
    os.replace(tmp, path)
    return len(data["services"])


__all__ = ["ImportReport", "catalogue_dict", "export_catalogue", "import_catalogue"]
