"""The dossier table (thành phần hồ sơ): papers, their copies, groups and conditions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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


_MARKER = re.compile(r"^\s*([-+*•–]+|[a-zđ]\)|\(?\d+(?:\.\d+)*[.)]|[IVX]+[.)])\s*")
_SUBMIT = re.compile(r"^(?:giấy tờ )?phải nộp|^thành phần hồ sơ|^hồ sơ gồm|^giấy tờ cần nộp", re.I)
_SHOW = re.compile(r"^(?:giấy tờ )?(?:phải |cần )?xuất trình", re.I)
# "Trường hợp X thì (phải) có/nộp Y": the case and the paper.
_CASE = re.compile(
    r"^((?:Trường hợp|Nếu|Đối với)\s.{5,300}?),?\s+thì\s+(?:phải\s+)?(?:có|nộp|kèm theo|bổ sung|cần có|"
    r"nộp thêm|xuất trình)?\s*(.{8,})$")
_CASE_NO_THEN = re.compile(
    r"^((?:Trường hợp|Nếu|Đối với)\s.{5,300}?)\s+(?:thì\s+)?phải\s+(?:có|nộp|kèm theo)\s+(.{8,})$")
_CASE_WORDS = re.compile(r"^(?:\(?\d+(?:\.\d+)*[.)]\s*)?(?:trường hợp|nếu|đối với|khi|với)\b", re.I)


@dataclass
class Dossier:
    """The dossier of one record, and what its parse found (for the report)."""

    documents: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ok: bool = True
    conditions_from_headings: int = 0  # papers under a heading "…:" that became their condition
    conditions_from_cases: int = 0  # "Trường hợp X thì Y": X the condition, Y the paper
    headings: int = 0  # headings ending with ":" (never papers)
    intro_headings: int = 0  # of which not a case ("… các giấy tờ sau:"): no condition
    zero_rows: int = 0  # "0 bản" rows, moved to the notes
    case_papers_kept_whole: int = 0  # papers whose name still starts "Trường hợp…"
    rows_without_count: int = 0  # the last row had no quantity column: kept as a paper
    show: int = 0


def _copies(m: re.Match) -> tuple[int, int]:
    return int(m.group(1)), int(m.group(2)) if m.group(2) else 0


def _copy_type(original: int, copy: int, name: str) -> str | None:
    """From the quantity column, or the name where it says "bản chính hoặc bản sao".
    "1 bản chính, 1 bản sao" does not say whether both are needed or either: null."""
    lower = name.lower()
    if "bản chính hoặc bản sao" in lower:
        return "either"
    if original and copy:
        return None
    if copy and not original:
        return "copy"
    if "bản sao" in lower and "bản chính" not in lower:
        return "copy"
    return "original" if original else None


def _section(label: str, group: str) -> tuple[str, str | None, bool, str | None]:
    """(group, condition, notes only, note) of a section from its label."""
    text = clean_line(label).strip(" *-–+:")
    if not text or len(text) <= 2:  # a table without a label ("--"): the papers to submit
        return "submit", None, False, None
    if _NOTE.match(text):
        return group, None, True, None
    if len(text) <= 60 and _SHOW.search(text):
        return "show", None, False, None
    if len(text) <= 60 and _SUBMIT.search(text):
        return "submit", None, False, None
    if clean_line(label).rstrip().endswith(":") and len(text) <= 300:
        return group, _clean_doc_name(text), False, None
    return group, None, False, _clean_doc_name(text)


def parse_dossier(raw) -> Dossier:
    """Papers {"name", "copies", "copy_type", "group", "condition", "form"} and notes.

    The table comes in sections ("* Giấy tờ phải nộp:", "* Giấy tờ phải xuất trình:",
    "* Lưu ý:", or a case "Trường hợp …:"), each opened by the column header. A row whose
    quantity is "0 bản" is a remark, not a paper: it goes to the notes. A row ending with
    ":" is a heading: the condition of the papers below it (until a row with the same
    bullet, or the next heading), or, over remarks, a remark itself.
    """
    out = Dossier()
    text = clean_line(raw)
    if not text:
        return out
    parts = text.split(_DOC_HEADER)
    if len(parts) == 1:
        if re.search(r"Bước \d", text):
            raise Unparseable("documents column holds the rest of the steps (columns shifted)")
        out.ok = False
        return out
    labels = [parts[0]]
    group = "submit"
    found_rows = 0
    for part_no, part in enumerate(parts[1:], start=1):
        group, section_condition, notes_only, section_note = _section(labels[-1], group)
        if section_note:
            out.notes.append(section_note)
        heading: str | None = None
        heading_marker = ""
        children_marker: str | None = None
        heading_noted = False
        pos = 0
        rows = []
        for m in _COUNT.finditer(part):
            rows.append((part[pos: m.start()], _copies(m)))
            pos = m.end()
        tail = part[pos:]
        if part_no < len(parts) - 1:
            labels.append(tail)
        else:
            tail_clean = _clean_doc_name(tail)
            if tail_clean and not _HEADING.search(tail_clean) and len(tail_clean) > 10:
                rows.append((tail, None))
                out.rows_without_count += 1
        for row, counts in rows:
            found_rows += 1
            marker_m = _MARKER.match(row)
            marker = re.sub(r"[a-zđ]", "a", marker_m.group(1)) if marker_m else ""
            name, file_name = _split_form_file(row)
            name = _clean_doc_name(name)
            if not name and file_name:
                name = _clean_doc_name(_FILE_EXT.sub("", file_name))
            if not name or is_empty(name):
                continue
            if heading is not None:
                if children_marker is None:
                    children_marker = marker
                elif heading_marker and marker == heading_marker != children_marker:
                    heading = None  # back at the heading's own level: its scope ends
            if name.endswith(":"):
                heading, heading_marker, heading_noted = name.rstrip(" :"), marker, False
                children_marker = None
                out.headings += 1
                if not _CASE_WORDS.match(name):
                    out.intro_headings += 1
                continue
            original, copy = counts if counts else (1, 0)
            if notes_only or _NOTE.match(name) or original + copy == 0:
                if counts is not None and original + copy == 0:
                    out.zero_rows += 1
                if heading is not None and not heading_noted:
                    out.notes.append(heading + ":")
                    heading_noted = True
                out.notes.append(("- " if heading_noted and heading else "") + name)
                continue
            condition = None
            case = _CASE.match(name) or _CASE_NO_THEN.match(name)
            if case and not file_name:
                condition = case.group(1).strip(" ,")
                paper = case.group(2).strip()
                name = paper[0].upper() + paper[1:]
                out.conditions_from_cases += 1
            elif _CASE_WORDS.match(name):
                out.case_papers_kept_whole += 1
            case_heading = heading if heading and _CASE_WORDS.match(heading) else None
            context = [c for c in (section_condition, case_heading) if c]
            if context:
                out.conditions_from_headings += 1
            condition = "; ".join([*context, *([condition] if condition else [])]) or None
            out.documents.append({
                "name": shorten(name, 800),
                "copies": max(1, min(original + copy, 99)),
                "copy_type": _copy_type(original, copy, name),
                "group": group,
                "condition": shorten(condition, 900) if condition else None,
                "form": bool(file_name) or bool(_FORM_NAME.search(name)),
            })
    # The same paper listed twice in the same case: keep it once.
    unique: dict[tuple, dict] = {}
    for doc in out.documents:
        key = (doc["name"], doc["group"], doc["condition"])
        if key in unique:
            unique[key]["copies"] = max(unique[key]["copies"], doc["copies"])
            unique[key]["form"] |= doc["form"]
        else:
            unique[key] = doc
    out.documents = list(unique.values())
    out.show = sum(1 for d in out.documents if d["group"] == "show")
    seen: set[str] = set()
    out.notes = [shorten(n, 4900) for n in out.notes if not (n in seen or seen.add(n))]
    out.ok = bool(found_rows)
    return out


def parse_documents(raw) -> tuple[list[dict], bool]:
    """The papers only, and whether the table was readable (kept for callers of old)."""
    dossier = parse_dossier(raw)
    return dossier.documents, dossier.ok
