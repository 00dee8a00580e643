"""Downloadable forms uploaded by editors: the type is read from the content, never the name.

A file is accepted only when its first bytes (and, for the ZIP-based formats, the entries
that name the format) say it is a PDF, DOC, XLS, DOCX, XLSX or ODT. It is stored under a
new ASCII name the portal chose, outside the static folder, and served as an attachment.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import struct
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Revision, Service, now_utc
from .ole2 import stream_names
from .text import slugify

ALLOWED = ("pdf", "doc", "docx", "xls", "xlsx", "odt")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MIMETYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
}
_NAME = r"[a-z0-9][a-z0-9-]{0,80}-[0-9a-f]{16}\.(?:pdf|docx?|xlsx?|odt)"
STORED_NAME = re.compile(rf"^{_NAME}$")
# A form's url naming a stored file: "/files/<name>", or the same on this site's address.
FILE_REFERENCE = re.compile(rf"/files/({_NAME})(?![a-z0-9.-])")
OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
FILES_URL = "/files/"


class UploadError(ValueError):
    """Why a file was refused, in Vietnamese, for the editor."""


# A ZIP is opened only when its directory is small and what it says it inflates to is
# bounded; the entry naming the format is read as a prefix only (a zip bomb stays packed).
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_INFLATED = 200 * 1024 * 1024
ZIP_TYPES_PREFIX = 64 * 1024
ZIP_BOMB = ("Tệp nén có quá nhiều mục hoặc giải nén ra quá lớn "
            f"(tối đa {ZIP_MAX_ENTRIES:,} mục, {ZIP_MAX_INFLATED // (1024 * 1024)} MB); không nhận tệp này.")
# The stream an OLE2 file of each kind must hold (an .msi or .msg is OLE2 too).
OLE2_STREAMS = {"doc": ("worddocument",), "xls": ("workbook", "book")}


def _zip_entry_count(content: bytes) -> int | None:
    """Entries the end-of-central-directory record declares, read before zipfile parses
    the directory; None when there is no record (zipfile would refuse the file too)."""
    end = content.rfind(b"PK\x05\x06", max(0, len(content) - 65_557))
    if end < 0 or end + 22 > len(content):
        return None
    return struct.unpack_from("<H", content, end + 10)[0]


def _zip_kind(content: bytes) -> str | None:
    count = _zip_entry_count(content)
    if count is not None and count > ZIP_MAX_ENTRIES:  # 0xFFFF: ZIP64, far above the cap too
        raise UploadError(ZIP_BOMB)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            if len(infos) > ZIP_MAX_ENTRIES or sum(i.file_size for i in infos) > ZIP_MAX_INFLATED:
                raise UploadError(ZIP_BOMB)
            names = {info.filename for info in infos}

            def prefix(name: str) -> bytes:
                if archive.getinfo(name).file_size > ZIP_TYPES_PREFIX:
                    raise UploadError(ZIP_BOMB)
                with archive.open(name) as entry:
                    return entry.read(ZIP_TYPES_PREFIX)

            if "mimetype" in names:
                mimetype = prefix("mimetype").strip()
                return "odt" if mimetype == MIMETYPES["odt"].encode() else None
            if "[Content_Types].xml" in names:
                types = prefix("[Content_Types].xml")
                if b"wordprocessingml.document.main+xml" in types:
                    return "docx"
                if b"spreadsheetml.sheet.main+xml" in types:
                    return "xlsx"
    except UploadError:
        raise
    except (zipfile.BadZipFile, KeyError, RuntimeError, ValueError, EOFError, OSError):
        return None
    return None


def _ole2_kind(content: bytes, claimed_name: str) -> str | None:
    streams = {name.casefold() for name in stream_names(content)}
    found = [kind for kind, wanted in OLE2_STREAMS.items() if streams.intersection(wanted)]
    claimed = Path(claimed_name).suffix.lower().lstrip(".")
    if claimed in found:
        return claimed
    return found[0] if found else None


def detect_kind(content: bytes, claimed_name: str = "") -> str | None:
    """The format the bytes are, or None. DOC and XLS share one container (OLE2): its
    directory must hold a WordDocument (DOC) or Workbook/Book (XLS) stream, and the name
    decides only when it holds both. Raises UploadError for a ZIP too big to inflate."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(OLE2):
        return _ole2_kind(content, claimed_name)
    if content.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    return None


def safe_stem(filename: str) -> str:
    stem = slugify(Path(filename.replace("\\", "/")).stem)[:60].strip("-")
    return stem or "mau-don"


def store_upload(upload_dir: str | os.PathLike[str], filename: str, stream: BinaryIO,
                 max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """Check and store one file; returns its stored name (the URL is ``/files/<name>``)."""
    content = stream.read(max_bytes + 1)
    if not content:
        raise UploadError("Tệp tải lên rỗng.")
    if len(content) > max_bytes:
        raise UploadError(f"Tệp lớn quá {max_bytes // (1024 * 1024)} MB.")
    kind = detect_kind(content, filename)
    if kind is None:
        raise UploadError("Tệp không phải PDF, DOC, DOCX, XLS, XLSX hoặc ODT "
                          "(nội dung tệp không khớp với định dạng cho phép).")
    name = f"{safe_stem(filename)}-{secrets.token_hex(8)}.{kind}"
    directory = Path(upload_dir)
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    return name


def is_stored_name(name: str) -> bool:
    return bool(STORED_NAME.match(name))


def url_of(name: str) -> str:
    return FILES_URL + name


def mimetype_of(name: str) -> str:
    return MIMETYPES[name.rsplit(".", 1)[1]]


def _names_in(forms: Any) -> Iterable[str]:
    for form in forms if isinstance(forms, list) else ():
        url = form.get("url") if isinstance(form, dict) else None
        if isinstance(url, str):
            yield from FILE_REFERENCE.findall(url)


def referenced_uploads(session: Session) -> set[str]:
    """Stored names a form points to, in the catalogue or in any revision: restoring a
    revision brings its forms back, so their files must outlive the edits that dropped them."""
    names: set[str] = set()
    for forms in session.scalars(select(Service.forms)):
        names.update(_names_in(forms))
    for snapshot in session.scalars(select(Revision.snapshot).execution_options(yield_per=1000)):
        names.update(_names_in(snapshot.get("forms") if isinstance(snapshot, dict) else None))
    return names


@dataclass
class PruneReport:
    removed: list[tuple[str, int]]  # stored name, bytes
    kept: int
    failed: list[tuple[str, str]]  # stored name, reason


def prune_uploads(session: Session, upload_dir: str | os.PathLike[str], older_than: timedelta,
                  now: datetime | None = None) -> PruneReport:
    """Delete uploaded files that no form refers to and that are older than ``older_than``.

    A file is stored as soon as it arrives, before its save is accepted (a refused save
    keeps the upload), so a file nothing refers to may still be on an editor's page: the
    age threshold leaves those alone. Only names the portal gives are considered.
    """
    directory = Path(upload_dir)
    cutoff = (now or now_utc()).timestamp() - older_than.total_seconds()
    stored = [p for p in directory.iterdir() if is_stored_name(p.name) and p.is_file()] \
        if directory.is_dir() else []
    old = [p for p in stored if p.stat().st_mtime < cutoff]
    referenced = referenced_uploads(session) if old else set()
    report = PruneReport(removed=[], kept=0, failed=[])
    for path in sorted(old):
        if path.name in referenced:
            continue
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            report.failed.append((path.name, exc.strerror or str(exc)))
            continue
        report.removed.append((path.name, size))
    report.kept = len(stored) - len(report.removed)
    return report
