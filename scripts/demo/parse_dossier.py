"""The dossier table (thành phần hồ sơ): papers, their copies, groups and conditions."""

from __future__ import annotations

import re

from .text import Unparseable, clean_line, is_empty, shorten

_DOC_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
# The quantity column: "1 bản chính" or "0 bản chính,1 bản sao". The same words inside a
# name ("nộp 02 bản chính tờ khai") are followed by a space or punctuation, the column is
# followed directly by the next row (or nothing). The number is one digit, or "0N": a
# name ending in digits ("… năm 2025") runs into it without a separator.
_COUNT = re.compile(r"(0?\d) bản chính(?:,\s*(0?\d) bản sao)?(?![ ;.,:)])")
_FILE_EXT = re.compile(r"\.(?:docx?|xlsx?|pdf|rar|zip|odt|rtf)\s*$", re.I)
_FILE_EXT_ANY = re.compile(r"\.(?:docx|doc|xlsx|xls|pdf|rar|zip|odt|rtf)", re.I)
_FORM_NAME = re.compile(
    r"^(?:tờ khai|đơn|mẫu|phiếu|bản khai|giấy đề nghị|văn bản đề nghị)\b|theo mẫu|mẫu số|mẫu đơn",
    re.I)
_NOTE = re.compile(r"^(?:lưu ý|ghi chú|chú ý)\b", re.I)
_HEADING = re.compile(r"^(?:\d+(?:\.\d+)*[.)]|[IVX]+[.)]|\*|-+$)|:$")


def _split_form_file(row: str) -> tuple[str, str | None]:
    """Separate trailing form file names ("…theo mẫuTK 1.002334.docx", possibly several
    glued together) from the document name. The first file name starts at the last word
    boundary without a space ("mẫuTK", "CPMau", "2026Mẫu", ").Mau") in the 80 characters
    before its extension."""
    exts = list(_FILE_EXT_ANY.finditer(row))
    if not exts or exts[-1].end() != len(row.rstrip()):
        return row, None
    head = row[: exts[0].start()]
    lo = max(1, len(head) - 80)
    for i in range(lo, len(head)):
        prev, cur = head[i - 1], head[i]
        nxt = head[i + 1] if i + 1 < len(head) else ""
        if prev.isspace():
            continue
        if cur.isupper() and (prev.islower() or prev.isdigit() or prev in ".;:)"):
            if not (prev == "T" and cur == "g"):
                break
        if cur.isupper() and prev.isupper() and nxt.islower() and prev.isalpha() \
                and not (cur == "T" and nxt == "g"):
            break
        if cur.isdigit() and prev in ".;:)" and not head[i - 2: i - 1].isdigit():
            break
    else:
        i = 0
    return row[:i], row[i:].strip()


def _clean_doc_name(name: str) -> str:
    name = clean_line(name)
    name = re.sub(r"^(?:[-+*•–]+\)?\s*|[a-zđ]\)\s*|[a-zđ]\.\d+\)\s*|\(?[ivx]+\)\s*)", "", name)
    name = name.strip(" ;,")
    return name[0].upper() + name[1:] if name else name


def parse_documents(raw) -> tuple[list[dict], bool]:
    """Documents [{"name", "copies", "form": bool}] and whether the table was readable."""
    text = clean_line(raw)
    if not text:
        return [], True
    parts = text.split(_DOC_HEADER)
    if len(parts) == 1:
        if re.search(r"Bước \d", text):
            raise Unparseable("documents column holds the rest of the steps (columns shifted)")
        return [], False
    docs = []
    for part_no, part in enumerate(parts[1:], start=1):
        pos = 0
        for m in _COUNT.finditer(part):
            row = part[pos: m.start()]
            pos = m.end()
            original = int(m.group(1))
            copies = original + (int(m.group(2)) if m.group(2) else 0)
            name, file_name = _split_form_file(row)
            name = _clean_doc_name(name)
            if not name and file_name:
                name = _clean_doc_name(_FILE_EXT.sub("", file_name))
            if not name or is_empty(name) or _NOTE.match(name):
                continue
            docs.append({"name": shorten(name, 800), "copies": max(1, min(copies, 99)),
                         "form": bool(file_name) or bool(_FORM_NAME.search(name))})
        tail = _clean_doc_name(part[pos:])
        if tail and part_no == len(parts) - 1 and not _HEADING.search(tail) and len(tail) > 10:
            # The last row without a quantity: a document all the same.
            name, file_name = _split_form_file(tail)
            name = _clean_doc_name(name) or tail
            docs.append({"name": shorten(name, 800), "copies": 1,
                         "form": bool(file_name) or bool(_FORM_NAME.search(name))})
    # The same document listed twice (two groups of the table): keep it once.
    unique: dict[str, dict] = {}
    for doc in docs:
        if doc["name"] in unique:
            unique[doc["name"]]["copies"] = max(unique[doc["name"]]["copies"], doc["copies"])
            unique[doc["name"]]["form"] |= doc["form"]
        else:
            unique[doc["name"]] = doc
    return list(unique.values()), bool(docs)
