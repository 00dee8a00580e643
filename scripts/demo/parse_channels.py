"""The channel table (cách thức thực hiện): channel x time limit x fee x description."""

from __future__ import annotations

import math
import re

from .text import balanced, clean_block, clean_line, format_vnd, is_empty, shorten

CHANNELS = ("Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính")
CHANNEL_ORDER = {c: i for i, c in enumerate(CHANNELS)}
_CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
_ROW_START = re.compile(r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?=\d|Không|Hệ thống)")
_UNIT = r"Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tháng|Năm|Phút|Tuần"
_TIME_UNIT = re.compile(rf"(\d+(?:[.,]\d+)?)\s*({_UNIT})")
_AMOUNT = re.compile(r"(\d[\d.,]*)\s*(Việt Nam Đồng|VNĐ|Đồng|đồng)")
_TIME_WORDS = ("Không có thông tin", "Không phải trả kết quả cho người nộp thuế",
               "Không quy định", "Không")
_FEE_START = re.compile(r"Miễn phí|Không có thông tin|\d[\d.,]*\s*(?:Việt Nam Đồng|VNĐ|Đồng|đồng)")


def _parse_time(seg: str) -> tuple[dict, str]:
    """Time limit at the start of a row (after the channel); returns (time, rest)."""
    m = _TIME_UNIT.match(seg)
    if m:
        return {"n": float(m.group(1).replace(",", ".")), "unit": m.group(2),
                "text": m.group(0)}, seg[m.end():]
    m = re.match(r"(\d+)(?=Miễn phí|Không|$)", seg)
    if m:  # a bare number, no unit
        return {"n": float(m.group(1)), "unit": "", "text": m.group(1)}, seg[m.end():]
    m = re.match(r"(\d)(?=\d[\d.,]*\s*(?:Việt Nam Đồng|VNĐ|Đồng|đồng))", seg)
    if m:  # "120,000 VNĐ": time "1", fee "20,000 VNĐ"
        return {"n": float(m.group(1)), "unit": "", "text": m.group(1)}, seg[m.end():]
    for word in _TIME_WORDS:
        if seg.startswith(word):
            return {"n": None, "unit": "", "text": word}, seg[len(word):]
    m = _FEE_START.search(seg)
    if m:  # a free-text time limit up to the fee
        return {"n": None, "unit": "", "text": seg[: m.start()]}, seg[m.start():]
    return {"n": None, "unit": "", "text": ""}, seg


def _parse_fee(seg: str) -> tuple[dict, str]:
    """Fee at the start of what follows the time; returns (fee, rest = description)."""
    if seg.startswith("Miễn phí"):
        rest = seg[len("Miễn phí"):]
        note = ""
        cut = False
        if rest.startswith("("):
            end = balanced(rest, 0)
            cut = _unclosed(rest[:end])
            note, rest = rest[1: end - 1], rest[end:]
        return {"kind": "free", "amount": 0, "note": note, "cut": cut}, rest
    if seg.startswith("Không có thông tin"):
        return {"kind": "none", "amount": None, "note": ""}, seg[len("Không có thông tin"):]
    m = _AMOUNT.match(seg)
    if m:
        digits = re.sub(r"[.,]", "", m.group(1))
        amount = int(digits) if digits.isdigit() else None
        rest = seg[m.end():]
        note = ""
        cut = False
        if rest.startswith("("):
            end = balanced(rest, 0)
            cut = _unclosed(rest[:end])
            note, rest = rest[1: end - 1], rest[end:]
        if amount is not None and 0 < amount < 1000:
            # No fee is below 1.000 đồng. The national portal stores some fees in
            # thousands ("20 VNĐ(20.000 vnđ/tờ khai)"), and "1 VNĐ" stands for "miễn
            # lệ phí" in others.
            if re.search(rf"\b{amount}[.,]000\b", note):
                amount *= 1000
            elif amount == 1 or "miễn" in note.lower():
                amount = 0
            else:
                amount *= 1000
        return {"kind": "amount" if amount else "free", "amount": amount or 0,
                "note": note, "cut": cut}, rest
    return {"kind": "none", "amount": None, "note": "", "unread": bool(seg.strip())}, seg


def _unclosed(group: str) -> bool:
    """A fee note whose parenthesis never closes: the source cut the text off."""
    return group.count("(") > group.count(")")


def parse_channels(raw) -> list[dict]:
    """Rows of the flattened channel table: channel, time, fee, description."""
    text = clean_block(raw).replace("\n", " ")
    if text.startswith(_CHANNEL_HEADER):
        text = text[len(_CHANNEL_HEADER):]
    starts = list(_ROW_START.finditer(text))
    rows = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        seg = text[m.end(): end]
        time, rest = _parse_time(seg)
        fee, rest = _parse_fee(rest)
        rows.append({"channel": m.group(1), "time": time, "fee": fee,
                     "description": clean_line(rest)})
    return rows


_DAYS_IN_TEXT = re.compile(r"(\d{1,3})\s*(ngày làm việc|ngày|giờ làm việc|giờ)", re.I)


def _days(n: float, unit: str) -> int | None:
    unit = unit.lower()
    if unit.startswith("ngày"):
        return int(math.ceil(n))
    if unit == "giờ làm việc":
        return max(1, int(math.ceil(n / 8)))
    if unit == "giờ":
        return 1 if n <= 8 else int(math.ceil(n / 24))
    if unit == "phút":
        return 1
    if unit == "tuần":
        return int(n * 5)
    if unit == "tháng":
        return int(n * 22)
    return None  # years: no working-day figure makes sense


def processing_days(rows: list[dict]) -> int | None:
    """Working days from the first row whose time limit is given with a unit, else from a
    "N ngày" in a description, else from a bare number (read as days)."""
    for row in rows:
        t = row["time"]
        if t["n"] is not None and t["unit"]:
            days = _days(t["n"], t["unit"])
            if days is not None:
                return days
    for row in rows:
        m = _DAYS_IN_TEXT.search(row["description"])
        if m:
            return _days(float(m.group(1)), m.group(2))
    for row in rows:
        if row["time"]["n"] is not None:
            return int(row["time"]["n"])
    return None


def _fee_text(fee: dict) -> str | None:
    if fee["kind"] == "free":
        return "miễn phí"
    if fee["kind"] == "amount":
        text = format_vnd(fee["amount"])
        note = clean_line(fee["note"])
        while note.startswith("("):  # "((áp dụng …); …)": unwrap the leading group
            end = balanced(note, 0)
            note = (note[1: end - 1] + note[end:]).strip()
        if note.startswith("/") and len(note) <= 40:  # "(/hồ sơ)": the unit
            text += note
        elif note.lower().startswith("đồng/") and len(note) <= 40:
            text += note[4:]
        elif note and not is_empty(note) and note.lower() not in ("không", "không có"):
            text += f" ({shorten(note, 160)})"
        return text
    return None


def fees_text(rows: list[dict], with_online: bool) -> str:
    per_channel: dict[str, list[str]] = {}
    for row in rows:
        if row["channel"] == "Trực tuyến" and not with_online:
            continue
        text = _fee_text(row["fee"])
        if text:
            items = per_channel.setdefault(row["channel"], [])
            if text not in items:
                items.append(text)
    texts = {ch: "; ".join(items) for ch, items in per_channel.items()}
    if not texts or all(t == "miễn phí" for t in texts.values()):
        return "Không thu phí"
    if len(set(texts.values())) == 1 and len(texts) == len({r["channel"] for r in rows
                                                            if with_online or r["channel"] != "Trực tuyến"}):
        only = next(iter(texts.values()))
        return only[0].upper() + only[1:]
    groups: dict[str, list[str]] = {}
    for ch in sorted(texts, key=CHANNEL_ORDER.get):
        groups.setdefault(texts[ch], []).append(ch)
    return "; ".join(f"{', '.join(chs)}: {fee}" for fee, chs in groups.items())


def online_fee(rows: list[dict]) -> int:
    return max((r["fee"]["amount"] or 0 for r in rows
                if r["channel"] == "Trực tuyến" and r["fee"]["kind"] == "amount"), default=0)


CHANNEL_KINDS = {"Trực tuyến": "online", "Dịch vụ bưu chính": "post", "Trực tiếp": "in_person"}


def channel_days(time: dict) -> int | float | None:
    """Working days of one row's time limit; a bare number is read as days."""
    if time["n"] is None:
        return None
    if not time["unit"]:
        n = time["n"]
        return int(n) if float(n).is_integer() else n
    return _days(time["n"], time["unit"])


def channels_of(rows: list[dict]) -> list[dict]:
    """The record's ``channels`` (contract, second edition) from the parsed rows."""
    out = []
    for row in sorted(rows, key=lambda r: ("Trực tuyến", "Dịch vụ bưu chính", "Trực tiếp").index(
            r["channel"])):
        fee = _fee_text(row["fee"])
        out.append({
            "kind": CHANNEL_KINDS[row["channel"]],
            "processing_days": channel_days(row["time"]),
            "processing_time": clean_line(row["time"]["text"]),
            "fee": (fee[:1].upper() + fee[1:]) if fee else "",
            "fee_vnd": row["fee"]["amount"] if row["fee"]["kind"] in ("free", "amount") else None,
            "description": shorten(row["description"], 3900),
        })
    return out
