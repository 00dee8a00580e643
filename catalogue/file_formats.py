"""Catalogue files as they are read and written: JSON (a whole catalogue), NDJSON (one
object a line) and CSV (services only), each optionally gzip-compressed, of any size.

Reading streams: the services are handed out one at a time with their place in the file
(``services[3]``, ``dòng 12``) for the record rules to judge, so memory does not grow
with the file; :mod:`catalogue.transfer` imports and exports through these. The reading
rules themselves live in :mod:`catalogue.file_readers`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from .record_shape import DOCUMENT_KEYS, FORM_KEYS
from .spreadsheet_cells import escape_cell, unescape_cell
from .steps import join_sub_items
from .validation import RECORD_KEYS

CSV_COLUMNS = (*RECORD_KEYS, "updated_at", "reviewed_at")
# A channel's numbers come first in its CSV item, its free texts after them.
CSV_CHANNEL_KEYS = ("kind", "processing_days", "fee_vnd", "processing_time", "fee", "description")
KINDS = ("json", "ndjson", "csv")


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
    """A file being read: agencies and fields (JSON and NDJSON; read first, they are few)
    and the services, each with its place. ``services`` may be a one-pass stream that
    raises :class:`ImportFileError` where the file turns out broken; an item may be an
    ``Exception`` standing for a row that could not be read."""

    agencies: list[tuple[str, Any]] = field(default_factory=list)
    fields: list[tuple[str, Any]] = field(default_factory=list)
    services: Iterable[tuple[str, Any]] = field(default_factory=list)


# ---------------------------------------------------------------- CSV cells


def _split_items(cell: str) -> list[str]:
    return [line.strip() for line in cell.splitlines() if line.strip()]


# ---------------------------------------------------------------- list cells
# A list cell holds one item a line. An item of several parts joins them with "|":
#   documents  name|copies|copy_type|group|condition   ("Tờ khai|1|original|submit|")
#   channels   kind|processing_days|fee_vnd|processing_time|fee|description
#   forms      title|url|kind
# A "|" or "\" inside a part is written "\|" or "\\". Empty parts are empty (null).
# A first-edition item ("name|copies", "title|url") is read as before: a name holding
# "|" is taken whole up to its last "|".

def _escape(part: Any) -> str:
    text = "" if part is None else str(part)
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _join(parts: Iterable[Any]) -> str:
    return "|".join(_escape(p) for p in parts)


def _parts(item: str) -> list[str]:
    """Split on "|" that is not escaped; "\\x" stands for x."""
    parts, current, chars = [], [], iter(item)
    for ch in chars:
        if ch == "\\":
            current.append(next(chars, ""))
        elif ch == "|":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _pair(item: str, first: str, second: str) -> dict[str, str]:
    head, sep, tail = item.rpartition("|")
    if not sep:
        return {first: item, second: ""}
    return {first: head.strip(), second: tail.strip()}


def _document(item: str) -> dict[str, Any]:
    parts = _parts(item)
    if len(parts) == 5 and parts[1].strip().isdigit():
        name, copies, copy_type, group, condition = (p.strip() for p in parts)
        return {"name": name, "copies": copies, "copy_type": copy_type or None,
                "group": group or None, "condition": condition or None}
    doc: dict[str, Any] = _pair(item, "name", "copies")
    doc["copies"] = doc["copies"] or 1
    return doc


def _channel(item: str) -> dict[str, Any]:
    parts = [p.strip() for p in _parts(item)] + [""] * 6
    kind, days, fee_vnd, time, fee, description = parts[:6]
    return {"kind": kind, "processing_days": days or None, "processing_time": time,
            "fee": fee, "fee_vnd": fee_vnd or None, "description": description}


def _form(item: str) -> dict[str, Any]:
    parts = _parts(item)
    if len(parts) == 3 and parts[2].strip() in ("file", "page", ""):
        return {"title": parts[0].strip(), "url": parts[1].strip(), "kind": parts[2].strip() or None}
    return _pair(item, "title", "url")


def csv_row_to_record(row: Mapping[str, str]) -> dict[str, Any]:
    """A CSV row holds list cells one item a line (see the list cells above); a step's
    sub-items are its lines starting "- "; the decision is number|date.

    Every cell first loses one leading apostrophe: ``export`` puts one in front of a cell
    a spreadsheet would run as a formula (or that starts with an apostrophe), see
    :mod:`catalogue.spreadsheet_cells`, so the text comes back exactly as exported.
    """
    row = {k: unescape_cell(v) if isinstance(v, str) else v for k, v in row.items()}
    record: dict[str, Any] = {k: v for k, v in row.items() if k is not None}
    record["steps"] = join_sub_items(_split_items(row.get("steps") or ""))
    record["legal_basis"] = _split_items(row.get("legal_basis") or "")
    record["document_notes"] = _split_items(row.get("document_notes") or "")
    record["documents"] = [_document(i) for i in _split_items(row.get("documents") or "")]
    record["channels"] = [_channel(i) for i in _split_items(row.get("channels") or "")]
    record["forms"] = [_form(i) for i in _split_items(row.get("forms") or "")]
    record["life_events"] = _split_items(row.get("life_events") or "")
    decision = (row.get("decision") or "").strip()
    record["decision"] = _pair(decision, "number", "date") if decision else None
    for key in ("processing_days", "online_url", "published_at", "updated_at", "reviewed_at",
                "online_kind", "partial_reason", "effective_from", "abolished_on"):
        if record.get(key) == "":
            record[key] = None
    return record


# ---------------------------------------------------------------- writing


def csv_cells(record: Mapping[str, Any]) -> dict[str, str]:
    """One CSV row; a cell a spreadsheet would run as a formula gets an apostrophe in front
    (undone on import: :func:`csv_row_to_record`)."""
    cells = {}
    for key in CSV_COLUMNS:
        value = record.get(key)
        if key in ("steps", "legal_basis", "document_notes", "life_events"):
            cells[key] = "\n".join(value or [])
        elif key in ("documents", "channels", "forms"):
            keys = {"documents": DOCUMENT_KEYS, "channels": CSV_CHANNEL_KEYS, "forms": FORM_KEYS}[key]
            cells[key] = "\n".join(_join(item.get(k) for k in keys) for item in value or [])
        elif key == "decision":
            cells[key] = _join((value.get("number"), value.get("date"))) if value else ""
        else:
            cells[key] = "" if value is None else str(value)
    return {key: escape_cell(text) for key, text in cells.items()}


def write_csv(records: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(csv_cells(record))
        count += 1
    return count


# Readers: defined in their own module, re-exported here where callers look for them.
from .file_readers import file_kind, parse_json, read_catalogue  # noqa: E402

__all__ = ["CSV_COLUMNS", "Catalogue", "ImportFileError", "Problem", "csv_cells", "csv_row_to_record",
           "file_kind", "parse_json", "read_catalogue", "write_csv"]
