"""Import and export of whole catalogues, as JSON or CSV.

Import is all-or-nothing: the file is read and every row validated before anything is
written, and every bad row is reported with its place (JSON index or CSV line) and reason.
Export then import into an empty database gives back the same catalogue, history included
(status and publication date travel with each service).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from . import json_limits
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
    RECORD_KEYS,
    REQUIRED_KEYS,
    ValidationError,
    validate_agency,
    validate_field,
    validate_service,
)

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
CSV_COLUMNS = (*RECORD_KEYS, "updated_at")


@dataclass
class Problem:
    """One reason a file is refused: where (``dòng 12``, ``services[3]``) and why."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ImportFileError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Catalogue:
    """A parsed file: agencies and fields (JSON only) and services, each with its place."""

    agencies: list[tuple[str, Any]] = field(default_factory=list)
    fields: list[tuple[str, Any]] = field(default_factory=list)
    services: list[tuple[str, Any]] = field(default_factory=list)


@dataclass
class ImportReport:
    agencies: int = 0
    fields: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


# ---------------------------------------------------------------- reading files


def _open_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFileError([Problem("", f"Không đọc được tệp {path}: {exc.strerror}.")]) from exc
    if size > max_bytes:
        raise ImportFileError([Problem("", (
            f"Tệp quá lớn: {size / 1048576:.1f} MB, giới hạn là {max_bytes / 1048576:.0f} MB. "
            "Hãy chia tệp thành nhiều phần."
        ).replace(".", ",", 1))])
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
                raw = gz.read(max_bytes + 1)
        except (OSError, EOFError) as exc:
            raise ImportFileError([Problem("", "Tệp .gz bị hỏng, không giải nén được.")]) from exc
        if len(raw) > max_bytes:
            raise ImportFileError([Problem("", "Tệp sau khi giải nén vượt quá giới hạn kích thước.")])
    return raw


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFileError([Problem(f"dòng {line}", (
            "tệp không phải mã UTF-8. Hãy lưu lại tệp với bảng mã UTF-8."
        ))]) from exc


def file_kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    kind = suffixes[-1] if suffixes else ""
    if kind not in (".json", ".csv"):
        raise ImportFileError([Problem("", "Chỉ nhận tệp .json hoặc .csv (có thể nén .gz).")])
    return kind[1:]


def read_catalogue(path: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES) -> Catalogue:
    """Parse a .json or .csv file (optionally gzip-compressed) into a :class:`Catalogue`."""
    path = Path(path)
    kind = file_kind(path)
    text = _decode(_open_bytes(path, max_bytes))
    return parse_json(text) if kind == "json" else parse_csv(text)


def parse_json(text: str) -> Catalogue:
    try:
        payload = json_limits.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError([Problem(
            f"dòng {exc.lineno}, cột {exc.colno}", f"JSON không hợp lệ ({exc.msg})."
        )]) from exc
    except json_limits.TooDeep:
        raise ImportFileError([Problem("", (
            f"JSON lồng nhau quá sâu (quá {json_limits.MAX_DEPTH} tầng): không phải tệp danh mục."
        ))]) from None
    if isinstance(payload, list):
        payload = {"services": payload}
    if not isinstance(payload, dict):
        raise ImportFileError([Problem("", (
            'Tệp JSON phải là {"agencies": [...], "fields": [...], "services": [...]}.'
        ))])
    problems = []
    unknown = set(payload) - {"agencies", "fields", "services"}
    if unknown:
        problems.append(Problem("", f"Khóa không xác định: {', '.join(sorted(unknown))}."))
    cat = Catalogue()
    for key in ("agencies", "fields", "services"):
        items = payload.get(key, [])
        if not isinstance(items, list):
            problems.append(Problem(key, "phải là một danh sách."))
            continue
        getattr(cat, key).extend((f"{key}[{i}]", item) for i, item in enumerate(items))
    if problems:
        raise ImportFileError(problems)
    return cat


def _split_items(cell: str) -> list[str]:
    return [line.strip() for line in cell.splitlines() if line.strip()]


def _pair(item: str, first: str, second: str) -> dict[str, str]:
    head, sep, tail = item.rpartition("|")
    if not sep:
        return {first: item, second: ""}
    return {first: head.strip(), second: tail.strip()}


def csv_row_to_record(row: Mapping[str, str]) -> dict[str, Any]:
    """A CSV row holds list cells one item a line; documents are name|copies, forms title|url."""
    record: dict[str, Any] = {k: v for k, v in row.items() if k is not None}
    record["steps"] = _split_items(row.get("steps") or "")
    record["legal_basis"] = _split_items(row.get("legal_basis") or "")
    record["documents"] = [_pair(i, "name", "copies") for i in _split_items(row.get("documents") or "")]
    for doc in record["documents"]:
        doc["copies"] = doc["copies"] or 1
    record["forms"] = [_pair(i, "title", "url") for i in _split_items(row.get("forms") or "")]
    for key in ("processing_days", "online_url", "published_at", "updated_at"):
        if record.get(key) == "":
            record[key] = None
    return record


def parse_csv(text: str) -> Catalogue:
    if "\x00" in text:
        raise ImportFileError([Problem("", "Tệp CSV chứa ký tự NUL: có lẽ không phải tệp văn bản.")])
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise ImportFileError([Problem("dòng 1", f"CSV không hợp lệ ({exc}).")]) from exc
    header_problems = []
    missing = [c for c in REQUIRED_KEYS if c not in header]
    if missing:
        header_problems.append(Problem("dòng 1", f"thiếu cột: {', '.join(missing)}."))
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if unknown:
        header_problems.append(Problem("dòng 1", f"cột không xác định: {', '.join(unknown)}."))
    if len(set(header)) != len(header):
        header_problems.append(Problem("dòng 1", "có cột trùng tên."))
    if header_problems:
        raise ImportFileError(header_problems)
    cat = Catalogue()
    start = reader.line_num + 1
    try:
        for row in reader:
            where = f"dòng {start}"
            if None in row:
                cat.services.append((where, ValueError("dòng có nhiều ô hơn số cột.")))
            else:
                cat.services.append((where, csv_row_to_record(row)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError([Problem(f"dòng {reader.line_num}", f"CSV không hợp lệ ({exc}).")]) from exc
    return cat


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
            change_status(session, service, clean["status"], actor)
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
        change_status(session, service, Status.PUBLISHED, actor, effective_at=published_at)
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


def csv_cells(record: Mapping[str, Any]) -> dict[str, str]:
    cells = {}
    for key in CSV_COLUMNS:
        value = record.get(key)
        if key in ("steps", "legal_basis"):
            cells[key] = "\n".join(value or [])
        elif key == "documents":
            cells[key] = "\n".join(f"{d['name']}|{d['copies']}" for d in value or [])
        elif key == "forms":
            cells[key] = "\n".join(f"{f['title']}|{f['url']}" for f in value or [])
        else:
            cells[key] = "" if value is None else str(value)
    return cells


def write_csv(records: Iterable[Mapping[str, Any]], out: IO[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow(csv_cells(record))


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


__all__ = [
    "Catalogue", "ImportFileError", "ImportReport", "Problem", "export_catalogue",
    "import_catalogue", "read_catalogue", "write_csv",
]
