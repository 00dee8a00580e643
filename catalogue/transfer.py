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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .bulk import BulkServiceWriter
from .collector import Collector, collector_paused
from .file_formats import Catalogue, ImportFileError, Problem, file_kind, write_csv
from .models import Agency, Field, Service
from .operations import (
    Actor,
    Lookups,
    change_status,
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

BATCH_SIZE = 1000


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


def _validate_refs_of(session: Session, cat: Catalogue, problems: list[Problem]):
    """The file's agencies and fields checked (codes, names, the tree), by code."""
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
    return existing, agencies, fields, agency_codes, set(existing.fields) | set(fields)


def _services_of(cat: Catalogue, problems: list[Problem]) -> Iterable[tuple[str, Any]]:
    """The file's services as a stream; where the file breaks, its problem ends the stream."""
    try:
        yield from cat.services
    except ImportFileError as exc:
        problems.extend(exc.problems)


def import_catalogue(session: Session, cat: Catalogue, actor: Actor, *,
                     batch_size: int = BATCH_SIZE,
                     on_created: Callable[[list[dict[str, Any]]], None] | None = None) -> ImportReport:
    """Validate every row and write while nothing is wrong; raises :class:`ImportFileError`
    listing every problem if anything is, and the caller rolls the transaction back.

    Rows are read, checked and written a batch at a time, so memory stays bounded
    whatever the file's size; all-or-nothing is the caller's one transaction. Services new
    to the catalogue take the bulk path (:class:`catalogue.bulk.BulkServiceWriter`), those
    whose code exists are updated one by one with a revision when they changed.
    ``on_created`` is given the rows of each batch of new services once written (a search
    index built alongside: :mod:`catalogue.search.streamed`).
    """
    problems: list[Problem] = []
    lookups, agencies, fields, agency_codes, field_codes = _validate_refs_of(session, cat, problems)
    report = ImportReport()
    if not problems:
        _write_refs(session, agencies, fields, lookups, report)
    writer = BulkServiceWriter(session, actor, lookups)
    try:
        with collector_paused() as collector:
            _import_services(session, cat, writer, lookups, actor, report, problems,
                             agency_codes, field_codes, batch_size, on_created, collector)
    finally:
        writer.close()  # its writes done, before the caller commits or rolls back
    session.flush()
    return report


def _import_services(session: Session, cat: Catalogue, writer: BulkServiceWriter, lookups: Lookups,
                     actor: Actor, report: ImportReport, problems: list[Problem],
                     agency_codes: set[str], field_codes: set[str], batch_size: int,
                     on_created: Callable[[list[dict[str, Any]]], None] | None,
                     collector: Collector) -> None:
    """Every service of the file checked; written a batch at a time while no problem is found."""
    seen_codes: dict[str, str] = {}
    batch: list[dict[str, Any]] = []
    for number, (where, item) in enumerate(_services_of(cat, problems), 1):
        if number % batch_size == 0:
            collector.batch_done()
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
        if problems:
            continue  # the file is refused: check the rest, write nothing more
        batch.append(clean)
        if len(batch) >= batch_size:
            _write_services(session, batch, writer, lookups, actor, report, on_created)
            batch = []
    if problems:
        raise ImportFileError(problems)
    _write_services(session, batch, writer, lookups, actor, report, on_created)
    writer.finish()


def _write_refs(
    session: Session,
    agencies: dict[str, dict[str, Any]],
    fields: dict[str, dict[str, Any]],
    lookups: Lookups,
    report: ImportReport,
) -> None:
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


def _write_services(
    session: Session,
    services: list[dict[str, Any]],
    writer: BulkServiceWriter,
    lookups: Lookups,
    actor: Actor,
    report: ImportReport,
    on_created: Callable[[list[dict[str, Any]]], None] | None,
) -> None:
    if not services:
        return
    # Into a catalogue that had no service, none of the file's (distinct) codes exists.
    current = {} if writer.fresh else {
        s.code: s
        for s in session.scalars(
            select(Service).where(Service.code.in_([c["code"] for c in services]))
        )
    }
    created = writer.add([clean for clean in services if clean["code"] not in current])
    if on_created is not None and created:
        on_created(created)
    report.created += sum(1 for clean in services if clean["code"] not in current)
    for clean in services:
        service = current.get(clean["code"])
        if service is None:
            continue
        changed = update_service(
            session, service, clean, actor, expected_version=None, lookups=lookups, action="import"
        )
        if clean["status"] != service.status:
            change_status(session, service, clean["status"], actor, check=False)
            changed = True
        if clean.get("reviewed_at") and clean["reviewed_at"] != service.reviewed_at:
            service.reviewed_at = clean["reviewed_at"]
        report.updated += 1 if changed else 0
        report.unchanged += 0 if changed else 1
    if current:
        session.flush()


# ---------------------------------------------------------------- exporting

EXPORT_BATCH = 2000


def _agencies_by_depth(session: Session) -> list[Agency]:
    """Parents before children, so the file imports in one pass."""
    agencies = list(session.scalars(select(Agency).order_by(Agency.code)))
    return sorted(agencies, key=lambda a: (_depth(a), a.code))


def _depth(agency: Agency) -> int:
    depth = 0
    while agency.parent is not None:
        agency, depth = agency.parent, depth + 1
    return depth


def all_records(session: Session) -> Iterator[dict[str, Any]]:
    """Every service's record (:func:`record_of`), by code, read a batch at a time: a
    keyset page per query, so memory does not grow with the catalogue."""
    last = ""
    while True:
        batch = list(session.scalars(
            select(Service).where(Service.code > last).order_by(Service.code).limit(EXPORT_BATCH)))
        if not batch:
            return
        for service in batch:
            yield record_of(service)
        last = batch[-1].code


def catalogue_dict(session: Session) -> dict[str, Any]:
    """The whole catalogue in memory (small catalogues, tests); export streams instead."""
    return {
        "agencies": [a.to_dict() for a in _agencies_by_depth(session)],
        "fields": [f.to_dict() for f in session.scalars(select(Field).order_by(Field.code))],
        "services": list(all_records(session)),
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_json(session: Session, out: IO[str]) -> int:
    """``{"agencies": [...], "fields": [...], "services": [...]}``, one item a line."""
    out.write('{"agencies": [\n')
    out.write(",\n".join(_dumps(a.to_dict()) for a in _agencies_by_depth(session)))
    out.write('\n],\n"fields": [\n')
    out.write(",\n".join(_dumps(f.to_dict()) for f in session.scalars(select(Field).order_by(Field.code))))
    out.write('\n],\n"services": [\n')
    count = 0
    for record in all_records(session):
        out.write((",\n" if count else "") + _dumps(record))
        count += 1
    out.write("\n]}\n")
    return count


def write_ndjson(session: Session, out: IO[str]) -> int:
    """One JSON object a line: ``{"agency": ...}``, then ``{"field": ...}``, then each service."""
    for agency in _agencies_by_depth(session):
        out.write(_dumps({"agency": agency.to_dict()}) + "\n")
    for field in session.scalars(select(Field).order_by(Field.code)):
        out.write(_dumps({"field": field.to_dict()}) + "\n")
    count = 0
    for record in all_records(session):
        out.write(_dumps(record) + "\n")
        count += 1
    return count


def export_catalogue(session: Session, path: str | os.PathLike[str]) -> int:
    """Write the whole catalogue, streamed; the file is replaced only once completely written."""
    path = Path(path)
    kind = file_kind(path)
    tmp = path.with_name(f".{path.name}.tmp")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(tmp, "wt", encoding="utf-8", newline="") as out:
            if kind == "json":
                count = write_json(session, out)
            elif kind == "ndjson":
                count = write_ndjson(session, out)
            else:
                count = write_csv(all_records(session), out)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return count


__all__ = ["ImportReport", "all_records", "catalogue_dict", "export_catalogue", "import_catalogue"]
