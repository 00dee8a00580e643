"""Checks of single values that the record rules are built from: text, numbers, choices,
lists and links. Each check reports through a :class:`Checker` in Vietnamese, naming the
field, and returns a clean value, so a rule reads as one line per field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from .text import clean_line, clean_text
from .vocabulary import MAX_LIST_ITEMS, MAX_URL_CHARS

LABELS: dict[str, str] = {
    "code": "Mã thủ tục",
    "name": "Tên thủ tục",
    "level": "Mức độ",
    "agency": "Cơ quan thực hiện",
    "field": "Lĩnh vực",
    "tier": "Cấp thực hiện",
    "audience": "Đối tượng thực hiện",
    "summary": "Mô tả ngắn",
    "steps": "Trình tự thực hiện",
    "method": "Cách thức thực hiện",
    "documents": "Thành phần hồ sơ",
    "document_notes": "Ghi chú về hồ sơ",
    "channels": "Cách thức nộp (kênh)",
    "processing_days": "Thời hạn giải quyết",
    "fees": "Phí, lệ phí",
    "result": "Kết quả",
    "legal_basis": "Căn cứ pháp lý",
    "requirements": "Yêu cầu, điều kiện",
    "forms": "Mẫu đơn, tờ khai",
    "online_url": "Địa chỉ nộp hồ sơ trực tuyến",
    "online_kind": "Hình thức trực tuyến",
    "partial_reason": "Lý do chỉ trực tuyến một phần",
    "decision": "Quyết định công bố",
    "effective_from": "Ngày bắt đầu áp dụng",
    "abolished_on": "Ngày bãi bỏ",
    "life_events": "Sự kiện cuộc sống",
    "status": "Trạng thái",
    "published_at": "Ngày công bố",
    "updated_at": "Ngày cập nhật",
    "reviewed_at": "Ngày rà soát",
}

CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
# Whitespace and control characters anywhere in a link: browsers drop tabs and newlines
# from URLs, so "/\t/evil.example" would be followed as "//evil.example".
_UNSAFE_IN_URL = re.compile(r"[\s\x00-\x1f\x7f\u0080-\u009f\\]")
# Compiled once (re's own cache is a dict look-up per call on the bulk path).
_INTEGER = re.compile(r"\s*-?\d{1,9}\s*")
_DECIMAL = re.compile(r"-?\d{1,6}(?:\.\d{1,3})?")
_ISO_DATE = re.compile(r"\s*\d{4}-\d{2}-\d{2}\s*")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class ValidationError(Exception):
    """Every problem found in one record; nothing is saved when this is raised."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors

    def by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for e in self.errors:
            out.setdefault(e.field.split("[")[0].split(".")[0], []).append(e.message)
        return out


def field_label(key: str) -> str:
    base = key.split("[")[0]
    return f"{LABELS.get(base, base)} ({key})"


class Checker:
    """Collects every problem of one record, so the user sees them all at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, key: str, message: str) -> None:
        self.errors.append(FieldError(key, f"{field_label(key)}: {message}"))

    def raise_if_failed(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def as_int(value: Any) -> int | None:
    """Integers, or strings of digits as forms and CSV send them; booleans are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    return None


def as_number(value: Any) -> float | int | None:
    """A number of days as forms and CSV send it: "15", "0,5" or "0.5"; integers stay int."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        if not _DECIMAL.fullmatch(text):
            return None
        value = float(text)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == value and abs(value) < 1e7:
        return int(value) if value.is_integer() else value
    return None


def optional_choice(c: Checker, key: str, value: Any, allowed: Mapping[str, str],
                    default: str | None) -> str | None:
    """A choice that may be left out: absent or empty gives ``default``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    return choice(c, key, value, allowed) or default


def is_http_url(value: str) -> bool:
    """An absolute http(s) link with a host, and nothing a browser would read otherwise."""
    if _UNSAFE_IN_URL.search(value) or not value.isprintable():
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def is_form_url(value: str) -> bool:
    """A form is a link to another site, or a file the portal serves itself (``/files/...``).

    A portal path starts with one slash; "//host", "/\\host" and "/\\t/host" all lead
    a browser to another site, so none of them passes.
    """
    if is_http_url(value):
        return True
    return (value.startswith("/") and not value.startswith("//")
            and not _UNSAFE_IN_URL.search(value) and value.isprintable())


def text(c: Checker, key: str, value: Any, *, required: bool, max_len: int,
         one_line: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        c.fail(key, "phải là văn bản.")
        return ""
    value = clean_line(value) if one_line else clean_text(value)
    if required and not value:
        c.fail(key, "không được để trống.")
    elif len(value) > max_len:
        c.fail(key, f"dài quá {max_len:,} ký tự ({len(value):,}).".replace(",", "."))
    return value


def choice(c: Checker, key: str, value: Any, allowed: Mapping[str, str]) -> str:
    value = clean_line(value) if isinstance(value, str) else value
    if isinstance(value, str) and value in allowed:
        return value
    listed = ", ".join(f"{k} ({v})" for k, v in allowed.items())
    c.fail(key, f"phải là một trong: {listed}.")
    return ""


def items(c: Checker, key: str, value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        c.fail(key, "phải là một danh sách.")
        return []
    if len(value) > MAX_LIST_ITEMS:
        c.fail(key, f"có quá {MAX_LIST_ITEMS} mục.")
        return []
    return value


def url(c: Checker, key: str, value: Any, *, portal_files: bool, message: str) -> str:
    """A link, trimmed; refused when too long or not a link a browser follows safely."""
    value = value.strip() if isinstance(value, str) else ""
    accepted = is_form_url if portal_files else is_http_url
    if value and (len(value) > MAX_URL_CHARS or not accepted(value)):
        c.fail(key, message)
    return value


def reference(value: Any) -> Any:
    """Agency and field may come as a code or as the API's {"code", "name"} object."""
    if isinstance(value, Mapping):
        value = value.get("code")
    return clean_line(value) if isinstance(value, str) else value


def iso_date(c: Checker, key: str, value: Any) -> date | None:
    """An ISO date (YYYY-MM-DD), or None when empty; forms and CSV send text."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    c.fail(key, "phải là ngày dạng YYYY-MM-DD, ví dụ 2026-07-01.")
    return None
