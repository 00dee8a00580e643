"""Which mandatory parts of a procedure a record lacks: the rule behind indicator 1.3 and
the editor's "Thiếu: ..." line, in one place.

Decree 63/2010/NĐ-CP Art. 8(2) lists what every administrative procedure consists of:
name; steps (trình tự); method (cách thức); dossier (hồ sơ); time limit (thời hạn giải
quyết); who may apply (đối tượng); the agency (cơ quan thực hiện); the result (kết quả);
Art. 8(3) adds forms, conditions and fees where the procedure has them, and a
publication decision lists the legal basis. The index counts a procedure complete in
7 parts. Our mapping, and why:

- name, who may apply and the agency are never missing here: the record rules
  (catalogue.validation) refuse a record without them, so counting them would only pad
  every ratio;
- forms and conditions apply only where the procedure has them ("nếu có"): an empty
  field may be right, so its absence is not a gap we can count;
- the 7 parts counted are therefore the five of Art. 8(2) a record can lack (steps,
  method, dossier, time limit, result) plus fees and the legal basis, which every
  publication decision must state (a free procedure says "Không thu phí", not nothing).

Second-edition records carry some parts per channel (``channels``): a method, a time
limit or a fee given on a channel counts as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# (key, label as the editor reads it after "Thiếu:"), in the order of Art. 8(2).
PARTS: tuple[tuple[str, str], ...] = (
    ("steps", "trình tự thực hiện"),
    ("method", "cách thức thực hiện"),
    ("documents", "thành phần hồ sơ"),
    ("processing_days", "thời hạn giải quyết"),
    ("result", "kết quả thực hiện"),
    ("fees", "phí, lệ phí"),
    ("legal_basis", "căn cứ pháp lý"),
)
PART_LABELS = dict(PARTS)
BITS = {key: 1 << i for i, (key, _) in enumerate(PARTS)}


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _items(value: Any) -> bool:
    if not isinstance(value, list):
        return False
    return any(_text(v) or (isinstance(v, Mapping) and _text(v.get("name") or v.get("title")))
               for v in value)


def _channels(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    channels = record.get("channels")
    return [c for c in channels if isinstance(c, Mapping)] if isinstance(channels, list) else []


def _present(record: Mapping[str, Any], key: str) -> bool:
    channels = _channels(record)
    if key == "steps":
        return _items(record.get("steps"))
    if key == "method":
        return _text(record.get("method")) or bool(channels)
    if key == "documents":
        return _items(record.get("documents"))
    if key == "processing_days":
        return record.get("processing_days") is not None or any(
            c.get("processing_days") is not None or _text(c.get("processing_time")) for c in channels)
    if key == "result":
        return _text(record.get("result"))
    if key == "fees":
        return _text(record.get("fees")) or any(
            _text(c.get("fee")) or c.get("fee_vnd") is not None for c in channels)
    if key == "legal_basis":
        return _items(record.get("legal_basis"))
    raise KeyError(key)


def missing_parts(record: Mapping[str, Any]) -> list[str]:
    """Keys of the mandatory parts the record (as export gives it) lacks, in order."""
    return [key for key, _ in PARTS if not _present(record, key)]


def missing_mask(record: Mapping[str, Any]) -> int:
    """The same as one integer (bit i for PARTS[i]), as revisions store it."""
    return sum(BITS[key] for key in missing_parts(record))


def parts_of_mask(mask: int | None) -> list[str]:
    return [key for key, _ in PARTS if mask and mask & BITS[key]]


def missing_text(keys: list[str]) -> str:
    """"Thiếu: thời hạn giải quyết, phí, lệ phí" or "" when nothing is missing."""
    return "Thiếu: " + "; ".join(PART_LABELS[k] for k in keys) if keys else ""
