"""The parse report: what the converter read from every record, what it could not, and
the source's known faults. Every record read is counted, converted or not, so the share
"parsed fully" is out of all of them (1,601 in today's source)."""

from __future__ import annotations

import collections
import re
import unicodedata
from dataclasses import dataclass, field

from .parse_channels import parse_channels
from .parse_dossier import parse_dossier
from .parse_legal import parse_legal_detail
from .parse_steps import parse_steps_detail
from .text import Unparseable, clean_line

# Garbled passages of the national portal's text, as found: reported, never mended.
KNOWN_GARBLES = {
    "khai tâm Phục vụ": "words out of order in the steps (\"…đăng ký khai tâm Phục vụ…\")",
    "việc sinh tại Trung": "words out of order in the steps (\"…hoàn tất việc sinh tại Trung nộp hồ sơ\")",
}


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.1f} %".replace(".", ",") if total else "–"


@dataclass
class ParseReport:
    read: int = 0
    c: collections.Counter = field(default_factory=collections.Counter)
    faults: dict[str, list[str]] = field(default_factory=lambda: collections.defaultdict(list))

    def fault(self, what: str, code: str) -> None:
        self.faults[what].append(code)

    def add(self, raw: dict) -> None:
        """Run the table parsers on one source record and count what they found."""
        self.read += 1
        c = self.c
        code = clean_line(raw.get("ma_thu_tuc")) or f"#{self.read}"
        # Dossier.
        try:
            d = parse_dossier(raw.get("thanh_phan_ho_so"))
        except Unparseable:
            c["dossier columns shifted (steps in the dossier column)"] += 1
            self.fault("dossier column holds the steps (columns shifted)", code)
            d = None
        if d is not None:
            if not d.ok:
                c["dossier tables without header or quantity"] += 1
            c["papers"] += len(d.documents)
            c["papers to show"] += d.show
            c["papers with a condition"] += sum(1 for x in d.documents if x["condition"])
            c["conditions from headings"] += d.conditions_from_headings
            c["conditions from 'Trường hợp … thì …'"] += d.conditions_from_cases
            c["headings (…:) not taken as papers"] += d.headings
            c["  of which intros, not cases"] += d.intro_headings
            c["notes"] += len(d.notes)
            c["'0 bản' rows moved to notes"] += d.zero_rows
            c["papers still named as a case (kept whole)"] += d.case_papers_kept_whole
            c["last rows without quantity (kept as papers)"] += d.rows_without_count
            if d.ok and not d.case_papers_kept_whole and not d.rows_without_count:
                c["FULL dossier"] += 1
        # Channels.
        rows = parse_channels(raw.get("cach_thuc_thuc_hien"))
        channels_full = bool(rows)
        if not rows:
            c["channel tables without a channel row"] += 1
        for row in rows:
            c["channel rows"] += 1
            t, fee = row["time"], row["fee"]
            if t["n"] is not None:
                c["  with a number of days"] += 1
                if not t["unit"]:
                    c["  time limit without a unit (read as days)"] += 1
                    self.fault("time limit without a unit (\"Trực tuyến1Miễn phí\")", code)
            elif not t["text"]:
                channels_full = False
                c["  time limit unread"] += 1
            if fee["kind"] == "amount":
                c["  with a fee in đồng"] += 1
            elif fee["kind"] == "free":
                c["  free"] += 1
            elif fee.get("unread"):
                channels_full = False
                c["  fee unread (kept in the description)"] += 1
            else:
                c["  fee 'Không có thông tin'"] += 1
            if fee.get("cut"):
                channels_full = False
                c["  fee note cut off"] += 1
                self.fault("fee text cut off (parenthesis never closed)", code)
        if channels_full:
            c["FULL channels"] += 1
        # Legal basis.
        items, _years, leftover = parse_legal_detail(raw.get("can_cu_phap_ly"))
        c["acts"] += len(items)
        c["acts with a number"] += sum(1 for i in items if re.search(r"\d+/\d{4}/", i))
        legal_full = not leftover and all(re.search(r"\d+/\d{4}/", i) for i in items)
        if leftover:
            c["legal tables with text left over (plain text)"] += 1
        if legal_full:
            c["FULL legal basis"] += 1
        # Steps.
        steps = parse_steps_detail(raw.get("trinh_tu_thuc_hien"))
        c["steps"] += len(steps.steps)
        c["sub-items"] += steps.sub_items
        if not steps.steps:
            c["records without steps"] += 1
        if d is not None and d.ok and not d.case_papers_kept_whole and not d.rows_without_count \
                and channels_full and legal_full:
            c["FULL all three"] += 1
        # Known faults of the source.
        name = raw.get("ten_thu_tuc") or ""
        if name and not unicodedata.is_normalized("NFC", name):
            self.fault("name in decomposed Unicode (NFD)", code)
        text = unicodedata.normalize("NFC", " ".join(str(v) for v in raw.values() if isinstance(v, str)))
        for needle, what in KNOWN_GARBLES.items():
            if needle in text:
                self.fault(what, code)

    def text(self) -> str:
        c, n = self.c, self.read
        lines = ["parse report (every record read)", f"  records read:        {n}"]
        for key in ("FULL dossier", "FULL channels", "FULL legal basis", "FULL all three"):
            lines.append(f"  parsed fully, {key[5:]:<12} {c[key]:5d}  ({_pct(c[key], n)})")
        groups = [
            ("dossier", ["papers", "papers to show", "papers with a condition",
                         "conditions from headings", "conditions from 'Trường hợp … thì …'",
                         "headings (…:) not taken as papers", "  of which intros, not cases",
                         "notes", "'0 bản' rows moved to notes"]),
            ("dossier, fell back", ["papers still named as a case (kept whole)",
                                    "last rows without quantity (kept as papers)",
                                    "dossier tables without header or quantity",
                                    "dossier columns shifted (steps in the dossier column)"]),
            ("channels", ["channel rows", "  with a number of days", "  with a fee in đồng", "  free",
                          "  fee 'Không có thông tin'", "  time limit without a unit (read as days)"]),
            ("channels, fell back", ["  fee unread (kept in the description)", "  fee note cut off",
                                     "  time limit unread", "channel tables without a channel row"]),
            ("legal basis", ["acts", "acts with a number",
                             "legal tables with text left over (plain text)"]),
            ("steps", ["steps", "sub-items", "records without steps"]),
        ]
        for title, keys in groups:
            lines.append(f"  {title}:")
            lines.extend(f"    {c[k]:6d}  {k.strip()}" for k in keys)
        lines.append("  known faults of the source (reported, not mended):")
        for what, codes in sorted(self.faults.items()):
            unique = sorted(set(codes))
            lines.append(f"    {len(unique):6d}  {what}: {', '.join(unique[:5])}"
                         + (" …" if len(unique) > 5 else ""))
        return "\n".join(lines)
