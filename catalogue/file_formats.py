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

from .validation import RECORD_KEYS

CSV_COLUMNS = (*RECORD_KEYS, "updated_at")
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


# ---------------------------------------------------------------- writing


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
