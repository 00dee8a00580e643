"""Reading catalogue files of any size as streams: JSON through ijson's C parser (yajl2),
NDJSON a line at a time, CSV a row at a time; gzip decompressed on the fly.

A file is never loaded whole: the services come out one by one, each with its place in
the file, and memory stays flat whatever the size. Agencies and fields (a few hundred
at most) are read first, as the rules for a service need their codes: in a file written
by ``export`` they come before the services, so reading stops at the services; in a file
where they come later (or not at all) the whole file is scanned once more for them.

Hostile input stays a message: nesting deeper than :data:`json_limits.MAX_DEPTH` is
refused for the whole file before anything deep is built (the event stream is walked
with a depth count), an integer too long for the parser is a bad row, broken syntax,
bad UTF-8 or a damaged gzip stop the reading with the place they were met.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import json
import tempfile
import zlib
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO, Any

import ijson

from . import json_limits
from .file_formats import CSV_COLUMNS, Catalogue, ImportFileError, Problem, csv_row_to_record
from .validation import REQUIRED_KEYS

SECTIONS = ("agencies", "fields", "services")
REF_SECTIONS = ("agencies", "fields")
# What breaks a stream part way: the parser, the decoder, the decompressor, the disk.
STREAM_ERRORS = (ijson.JSONError, UnicodeDecodeError, OSError, EOFError, zlib.error, ValueError)


def file_kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    kind = suffixes[-1] if suffixes else ""
    if kind not in (".json", ".ndjson", ".csv"):
        raise ImportFileError([Problem("", "Chỉ nhận tệp .json, .ndjson hoặc .csv (có thể nén .gz).")])
    return kind[1:]


def _open(path: Path) -> IO[bytes]:
    try:
        if path.suffix.lower() == ".gz":
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return path.open("rb")
    except OSError as exc:
        raise ImportFileError([Problem("", f"Không đọc được tệp {path}: {exc.strerror}.")]) from exc


def _broken(where: str, exc: BaseException) -> ImportFileError:
    """The message for a stream that breaks part way, by what broke it."""
    if isinstance(exc, UnicodeDecodeError) or "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
        return ImportFileError([Problem(where, "tệp không phải mã UTF-8. "
                                               "Hãy lưu lại tệp với bảng mã UTF-8.")])
    if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)):
        return ImportFileError([Problem(where, "Tệp .gz bị hỏng, không giải nén được.")])
    if isinstance(exc, OSError) and not isinstance(exc, ijson.JSONError):
        return ImportFileError([Problem(where, f"Không đọc được tệp ({exc}).")])
    detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
    if "integer overflow" in detail:
        return ImportFileError([Problem(where, "có số nguyên quá dài, không phải giá trị của trường nào; "
                                               "phần sau của tệp chưa được đọc.")])
    return ImportFileError([Problem(where, f"JSON không hợp lệ ({detail}).")])


def _too_deep() -> ImportFileError:
    return ImportFileError([Problem("", (
        f"JSON lồng nhau quá sâu (quá {json_limits.MAX_DEPTH} tầng): không phải tệp danh mục."))])


# ---------------------------------------------------------------- JSON


def _json_stream(path: Path, wanted: tuple[str, ...], skip: int = 0) -> Iterator[tuple[str, Any, Any]]:
    """Events of a catalogue file: ("begin", section, None) as each top-level list starts,
    ("item", where, value) for the items of the ``wanted`` sections, ("problem", where,
    message) for a shape the contract does not allow. Items of other sections, and the
    first ``skip`` items of a wanted one, are walked over without being built."""
    stack: list[Any] = []  # containers being built for the current item
    keys: list[Any] = []  # the pending key of each map in ``stack``
    depth = 0
    section: str | None = None  # top-level list being read
    building = False
    index = -1
    top_key: str | None = None
    shape = ""  # "map" or "list" at the top
    with _open(path) as raw:
        events = ijson.basic_parse(raw, use_float=True)
        while True:
            try:
                event, value = next(events)
            except StopIteration:
                break
            except STREAM_ERRORS as exc:
                inside = depth >= (2 if shape == "list" else 3)  # within an item already counted
                where = f"{section}[{index if inside else index + 1}]" if section else ""
                raise _broken(where, exc) from None
            if event in ("start_map", "start_array"):
                depth += 1
                if depth > json_limits.MAX_DEPTH:
                    raise _too_deep()
            if not shape:
                if event == "start_map":
                    shape = "map"
                    continue
                if event == "start_array":
                    shape, section, building, index = "list", "services", "services" in wanted, -1
                    yield "begin", "services", None
                    continue
                yield "problem", "", ('Tệp JSON phải là '
                                      '{"agencies": [...], "fields": [...], "services": [...]}.')
                return
            if shape == "map" and depth == 1 and event == "map_key":
                top_key = value
                continue
            opened = event in ("start_map", "start_array")
            if shape == "map" and section is None and top_key is not None and depth == (2 if opened else 1):
                key, top_key = top_key, None
                if event == "start_array" and key in SECTIONS:
                    section, building, index = key, key in wanted, -1
                    yield "begin", key, None
                    continue
                if key not in SECTIONS:
                    yield "problem", "", f"Khóa không xác định: {key}."
                else:
                    yield "problem", key, "phải là một danh sách."
                section, building = ("(skip)" if opened else None), False
                continue
            if event in ("end_map", "end_array"):
                depth -= 1
            # Inside a section: depth of an item is 2 (list at top) or 3 (in a map).
            item_depth = 2 if shape == "list" else 3
            if section is not None and depth < item_depth - 1:
                section, building = None, False  # the section's list has ended
                continue
            if section is None or section == "(skip)":
                if section == "(skip)" and depth <= 1:
                    section = None
                continue
            if event in ("start_map", "start_array") and depth == item_depth:
                index += 1
            if not building:
                continue
            if index < skip and (depth >= item_depth or event in ("end_map", "end_array")):
                continue  # an item the fast reader gave already
            # Build the item iteratively (no recursion: depth is bounded above anyway).
            if event == "start_map" or event == "start_array":
                container: Any = {} if event == "start_map" else []
                if stack:
                    _put(stack, keys, container)
                stack.append(container)
                keys.append(None)
                continue
            if event == "map_key":
                keys[-1] = value
                continue
            if event in ("end_map", "end_array"):
                done = stack.pop()
                keys.pop()
                if not stack:
                    yield "item", f"{section}[{index}]", done
                continue
            # A scalar.
            if stack:
                _put(stack, keys, value)
            else:
                index += 1
                yield "item", f"{section}[{index}]", value


def _put(stack: list[Any], keys: list[Any], value: Any) -> None:
    parent = stack[-1]
    if isinstance(parent, dict):
        parent[keys[-1]] = value
    else:
        parent.append(value)


def _read_json(path: Path) -> Catalogue:
    cat = Catalogue()
    problems: list[Problem] = []
    begun: set[str] = set()
    whole_file = True
    for kind, where, value in _json_stream(path, REF_SECTIONS):
        if kind == "begin":
            begun.add(where)
            if where == "services" and {"agencies", "fields"} <= begun:
                whole_file = False  # in export order: the references are all read
                break
        elif kind == "problem":
            problems.append(Problem(where, value))
        else:
            getattr(cat, where.split("[", 1)[0]).append((where, value))
    if problems:
        raise ImportFileError(problems)
    cat.services = _json_services(path, report_shape=not whole_file)
    return cat


def _json_services(path: Path, *, report_shape: bool) -> Iterator[tuple[str, Any]]:
    """The services of a JSON file; shape problems after them when the first read stopped early.

    A file in the shape ``export`` writes (one service a line) is read a line at a time
    with orjson; at the first line that is not so, the careful event reader takes over
    from the service it stopped at, so its messages (and places) are the ones given.
    """
    done = yield from _exported_services(path)
    if done is None:
        return
    started = False
    for kind, where, value in _json_stream(path, ("services",), skip=done):
        if kind == "begin":
            started = started or where == "services"
        elif kind == "problem":
            if report_shape and started:
                yield where, ValueError(value)
        else:
            yield where, value


SERVICES_LINE = b'"services": ['
END_LINE = b"]}"


def _exported_services(path: Path) -> Generator[tuple[str, Any], None, int | None]:
    """Services of a file in ``export``'s shape, one a line; returns None when the whole
    file was read so, or how many services were given before a line that is not."""
    index = 0
    try:
        with _open(path) as raw:
            for line in raw:
                if line.strip() == SERVICES_LINE:
                    break
            else:
                return 0
            for line in raw:
                line = line.rstrip(b"\r\n")
                if line == END_LINE:
                    return None if not raw.read(1 << 16).strip() else index
                if not line.startswith(b"{"):
                    return index
                try:
                    item = json_limits.loads_plain(line.removesuffix(b","), json_limits.MAX_DEPTH - 2)
                except json_limits.NotPlain:
                    return index
                yield f"services[{index}]", item
                index += 1
    except STREAM_ERRORS:
        pass
    return index


def parse_json(text: str) -> Catalogue:
    """A catalogue given as text (tests, small payloads): read the same way as a file."""
    data = text.encode("utf-8", "surrogatepass")
    try:
        json_limits.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError([Problem(f"dòng {exc.lineno}, cột {exc.colno}",
                                       f"JSON không hợp lệ ({exc.msg}).")]) from exc
    except json_limits.TooDeep:
        raise _too_deep() from None
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        tmp.write(data)
    path = Path(tmp.name)
    try:
        cat = _read_json(path)
        cat.services = list(cat.services)
    finally:
        path.unlink(missing_ok=True)
    return cat


# ---------------------------------------------------------------- text lines (NDJSON, CSV)


def _lines(raw: IO[bytes], counter: list[int]) -> Iterator[str]:
    """Decoded lines; ``counter[0]`` is the number of the line last given out."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    while True:
        try:
            chunk = raw.read(1 << 20)
        except STREAM_ERRORS as exc:
            raise _broken(f"dòng {counter[0] + 1}", exc) from None
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            line = counter[0] + pending.count("\n") + chunk[: exc.start].count(b"\n") + 1
            raise _broken(f"dòng {line}", exc) from None
        if "\x00" in text:
            raise ImportFileError([Problem("", "Tệp chứa ký tự NUL: có lẽ không phải tệp văn bản.")])
        pending += text
        parts = pending.split("\n")
        pending = parts.pop()
        for part in parts:
            counter[0] += 1
            yield part + "\n"
        if not chunk:
            if pending:
                counter[0] += 1
                yield pending
            return


def _ndjson_items(path: Path) -> Iterator[tuple[str, str, Any]]:
    """(kind, where, value) of each line: kind agency, field, service or problem."""
    counter = [0]
    with _open(path) as raw:
        for line in _lines(raw, counter):
            where = f"dòng {counter[0]}"
            if not line.strip():
                continue
            try:
                value = json_limits.loads(line)
            except json.JSONDecodeError as exc:
                yield "problem", where, f"JSON không hợp lệ ({exc.msg}, cột {exc.colno})."
                continue
            except json_limits.TooDeep:
                yield "problem", where, f"JSON lồng nhau quá sâu (quá {json_limits.MAX_DEPTH} tầng)."
                continue
            if isinstance(value, dict) and len(value) == 1 and ("agency" in value or "field" in value):
                kind = "agency" if "agency" in value else "field"
                yield kind, where, value[kind]
            else:
                yield "service", where, value


def _read_ndjson(path: Path) -> Catalogue:
    cat = Catalogue()
    problems = []
    for kind, where, value in _ndjson_items(path):
        if kind == "service":
            break
        if kind == "problem":
            problems.append(Problem(where, value))
        else:
            (cat.agencies if kind == "agency" else cat.fields).append((where, value))
    if problems:
        raise ImportFileError(problems)

    def services() -> Iterator[tuple[str, Any]]:
        seen_service = False
        for kind, where, value in _ndjson_items(path):
            if kind == "service":
                seen_service = True
                yield where, value
            elif kind == "problem":
                if seen_service:
                    yield where, ValueError(value)
            elif seen_service:
                yield where, ValueError("cơ quan và lĩnh vực phải đứng trước các dịch vụ trong tệp.")

    cat.services = services()
    return cat


def _read_csv(path: Path) -> Catalogue:
    raw = _open(path)
    counter = [0]
    lines = _lines(raw, counter)
    reader = csv.DictReader(lines)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raw.close()
        raise ImportFileError([Problem("dòng 1", f"CSV không hợp lệ ({exc}).")]) from exc
    except ImportFileError:
        raw.close()
        raise
    problems = []
    missing = [c for c in REQUIRED_KEYS if c not in header]
    if missing:
        problems.append(Problem("dòng 1", f"thiếu cột: {', '.join(missing)}."))
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if unknown:
        problems.append(Problem("dòng 1", f"cột không xác định: {', '.join(unknown)}."))
    if len(set(header)) != len(header):
        problems.append(Problem("dòng 1", "có cột trùng tên."))
    if problems:
        raw.close()
        raise ImportFileError(problems)

    def services() -> Iterator[tuple[str, Any]]:
        with raw:
            start = reader.line_num + 1
            try:
                for row in reader:
                    where = f"dòng {start}"
                    if None in row:
                        yield where, ValueError("dòng có nhiều ô hơn số cột.")
                    else:
                        yield where, csv_row_to_record(row)
                    start = reader.line_num + 1
            except csv.Error as exc:
                raise ImportFileError([Problem(f"dòng {reader.line_num}",
                                               f"CSV không hợp lệ ({exc}).")]) from exc

    return Catalogue(services=services())


def read_catalogue(path: str | Path) -> Catalogue:
    """Open a .json, .ndjson or .csv file (optionally .gz) of any size for reading."""
    path = Path(path)
    kind = file_kind(path)
    if not path.is_file():
        raise ImportFileError([Problem("", f"Không đọc được tệp {path}: không có tệp này.")])
    readers = {"json": _read_json, "ndjson": _read_ndjson, "csv": _read_csv}
    return readers[kind](path)


__all__ = ["STREAM_ERRORS", "file_kind", "parse_json", "read_catalogue"]
