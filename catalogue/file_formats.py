"""Catalogue files as they are read and written: JSON (a whole catalogue) and CSV
(services only), optionally gzip-compressed. Reading checks the shape of the file and
gives back the records with their place in it (``services[3]``, ``dòng 12``) for the
record rules to judge; :mod:`catalogue.transfer` imports and exports through these.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from . import json_limits
from .validation import RECORD_KEYS, REQUIRED_KEYS

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
    """A CSV row holds list cells one item a line; documents are name|copies, forms title|url,
    the decision number|date."""
    record: dict[str, Any] = {k: v for k, v in row.items() if k is not None}
    record["steps"] = _split_items(row.get("steps") or "")
    record["legal_basis"] = _split_items(row.get("legal_basis") or "")
    record["documents"] = [_pair(i, "name", "copies") for i in _split_items(row.get("documents") or "")]
    for doc in record["documents"]:
        doc["copies"] = doc["copies"] or 1
    record["forms"] = [_pair(i, "title", "url") for i in _split_items(row.get("forms") or "")]
    decision = (row.get("decision") or "").strip()
    record["decision"] = _pair(decision, "number", "date") if decision else None
    for key in ("processing_days", "online_url", "published_at", "updated_at", "online_kind",
                "partial_reason", "effective_from", "abolished_on"):
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
        elif key == "decision":
            cells[key] = f"{value['number'] or ''}|{value['date'] or ''}" if value else ""
        else:
            cells[key] = "" if value is None else str(value)
    return cells


def write_csv(records: Iterable[Mapping[str, Any]], out: IO[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow(csv_cells(record))
