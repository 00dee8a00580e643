"""The one set of rules for a service record, shared by import, the editing forms and the API.

Input is the contract's record (JSON keys = CSV columns = form field names). Output is a
clean dict with NFC text and proper types, or a :class:`ValidationError` listing every
problem, each naming the field in Vietnamese.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from .models import Audience, Status, Tier
from .text import clean_line, clean_text

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")

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
    "processing_days": "Thời hạn giải quyết",
    "fees": "Phí, lệ phí",
    "result": "Kết quả",
    "legal_basis": "Căn cứ pháp lý",
    "requirements": "Yêu cầu, điều kiện",
    "forms": "Mẫu đơn, tờ khai",
    "online_url": "Địa chỉ nộp hồ sơ trực tuyến",
    "status": "Trạng thái",
    "published_at": "Ngày công bố",
    "updated_at": "Ngày cập nhật",
}

TIER_LABELS = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
AUDIENCE_LABELS = {"citizen": "Công dân", "business": "Tổ chức, doanh nghiệp", "both": "Công dân, tổ chức"}
STATUS_LABELS = {"draft": "Bản nháp", "published": "Đã công bố", "archived": "Đã lưu trữ"}
LEVEL_LABELS = {
    1: "Mức độ 1: cung cấp thông tin",
    2: "Mức độ 2: tải mẫu đơn, tờ khai",
    3: "Mức độ 3: nộp và xử lý hồ sơ trực tuyến",
    4: "Mức độ 4: thanh toán và nhận kết quả trực tuyến",
}

CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
TEXT_KEYS = ("summary", "method", "fees", "result", "requirements")
LIST_KEYS = ("steps", "documents", "legal_basis", "forms")
RECORD_KEYS = tuple(k for k in LABELS if k != "updated_at")
REQUIRED_KEYS = ("code", "name", "level", "agency", "field", "tier", "audience")
MAX_TEXT = 20_000
MAX_ITEMS = 200
MAX_URL = 2000


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


def _label(key: str) -> str:
    base = key.split("[")[0]
    return f"{LABELS.get(base, base)} ({key})"


class _Checker:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, key: str, message: str) -> None:
        self.errors.append(FieldError(key, f"{_label(key)}: {message}"))


def _as_int(value: Any) -> int | None:
    """Integers, or strings of digits as forms and CSV send them; booleans are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", value):
        return int(value)
    return None


def is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    # No spaces, control characters or lone surrogates: a database cannot store the last two.
    return (parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value
            and value.isprintable())


def _is_form_url(value: str) -> bool:
    """A form is a link to another site, or a file the portal serves itself (``/files/...``)."""
    # Browsers read "/\\host" like "//host": a backslash never belongs in a portal path.
    return is_http_url(value) or (
        value.startswith("/") and not value.startswith("//") and "\\" not in value
    )


def parse_timestamp(value: Any) -> datetime | None:
    """ISO 8601; a time without zone is read as Vietnam time (UTC+7)."""
    if isinstance(value, datetime):
        stamp = value
    elif isinstance(value, str) and value.strip():
        stamp = datetime.fromisoformat(value.strip())
    else:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=VIETNAM_TZ)
    return stamp


def _text(c: _Checker, key: str, value: Any, *, required: bool, max_len: int,
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


def _choice(c: _Checker, key: str, value: Any, allowed: dict[str, str]) -> str:
    value = clean_line(value) if isinstance(value, str) else value
    if isinstance(value, str) and value in allowed:
        return value
    listed = ", ".join(f"{k} ({v})" for k, v in allowed.items())
    c.fail(key, f"phải là một trong: {listed}.")
    return ""


def _list(c: _Checker, key: str, value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        c.fail(key, "phải là một danh sách.")
        return []
    if len(value) > MAX_ITEMS:
        c.fail(key, f"có quá {MAX_ITEMS} mục.")
        return []
    return value


def _ref(value: Any) -> Any:
    """Agency and field may come as a code or as the API's {"code", "name"} object."""
    if isinstance(value, Mapping):
        return value.get("code")
    return value


def validate_service(
    data: Mapping[str, Any],
    *,
    agency_codes: Container[str],
    field_codes: Container[str],
    with_history: bool = False,
) -> dict[str, Any]:
    """Check one record against the contract and Decree 43/2011/NĐ-CP.

    ``with_history`` accepts ``status`` and ``published_at`` from the input, as import
    does; forms and the API change status through the workflow instead.
    """
    c = _Checker()
    out: dict[str, Any] = {}

    code = data.get("code")
    code = clean_line(code) if isinstance(code, str) else code
    if not code:
        c.fail("code", "không được để trống.")
    elif not isinstance(code, str) or not CODE_RE.match(code):
        c.fail("code", "chỉ gồm chữ cái, chữ số và các dấu . - _, dài 1–32 ký tự.")
    out["code"] = code if isinstance(code, str) else ""

    out["name"] = _text(c, "name", data.get("name"), required=True, max_len=500, one_line=True)

    level = _as_int(data.get("level"))
    if level is None or not 1 <= level <= 4:
        c.fail("level", "phải là số nguyên từ 1 đến 4 (Nghị định 43/2011/NĐ-CP).")
        level = 0
    out["level"] = level

    for key, known in (("agency", agency_codes), ("field", field_codes)):
        ref = _ref(data.get(key))
        ref = clean_line(ref) if isinstance(ref, str) else ref
        if not ref:
            c.fail(key, "không được để trống.")
        elif not isinstance(ref, str) or ref not in known:
            c.fail(key, f"không có mã “{ref}” trong danh mục.")
        out[key] = ref if isinstance(ref, str) else ""

    out["tier"] = _choice(c, "tier", data.get("tier"), TIER_LABELS)
    out["audience"] = _choice(c, "audience", data.get("audience"), AUDIENCE_LABELS)
    for key in TEXT_KEYS:
        out[key] = _text(c, key, data.get(key), required=False, max_len=MAX_TEXT)

    steps = []
    for i, step in enumerate(_list(c, "steps", data.get("steps"))):
        # A step is one line: CSV keeps one item a line, and the page numbers them.
        text = _text(c, f"steps[{i}]", step, required=True, max_len=MAX_TEXT, one_line=True)
        if text:
            steps.append(text)
    out["steps"] = steps

    legal = []
    for i, item in enumerate(_list(c, "legal_basis", data.get("legal_basis"))):
        text = _text(c, f"legal_basis[{i}]", item, required=True, max_len=1000, one_line=True)
        if text:
            legal.append(text)
    out["legal_basis"] = legal

    documents = []
    for i, doc in enumerate(_list(c, "documents", data.get("documents"))):
        if not isinstance(doc, Mapping):
            c.fail(f"documents[{i}]", "mỗi giấy tờ phải có tên (name) và số bản (copies).")
            continue
        name = _text(c, f"documents[{i}].name", doc.get("name"), required=True, max_len=2000,
                     one_line=True)
        copies = _as_int(doc.get("copies", 1))
        if copies is None or not 1 <= copies <= 99:
            c.fail(f"documents[{i}].copies", "số bản phải là số nguyên từ 1 đến 99.")
            copies = 1
        documents.append({"name": name, "copies": copies})
    out["documents"] = documents

    forms = []
    for i, form in enumerate(_list(c, "forms", data.get("forms"))):
        if not isinstance(form, Mapping):
            c.fail(f"forms[{i}]", "mỗi mẫu đơn phải có tiêu đề (title) và đường dẫn (url).")
            continue
        title = _text(c, f"forms[{i}].title", form.get("title"), required=True, max_len=500,
                      one_line=True)
        url = form.get("url")
        url = url.strip() if isinstance(url, str) else ""
        if not url or len(url) > MAX_URL or not _is_form_url(url):
            c.fail(f"forms[{i}].url", "phải là địa chỉ http(s) hoặc tệp đã tải lên.")
        forms.append({"title": title, "url": url})
    out["forms"] = forms

    days = data.get("processing_days")
    if days is None or days == "":
        out["processing_days"] = None
    else:
        n = _as_int(days)
        if n is None or not 0 <= n <= 3650:
            c.fail("processing_days", "phải là số ngày làm việc (số nguyên từ 0), hoặc để trống.")
        out["processing_days"] = n

    online_url = data.get("online_url")
    online_url = online_url.strip() if isinstance(online_url, str) else None
    if online_url:
        if len(online_url) > MAX_URL or not is_http_url(online_url):
            c.fail("online_url", "phải là địa chỉ http:// hoặc https:// hợp lệ.")
    out["online_url"] = online_url or None

    # Decree 43/2011/NĐ-CP: what each level promises the citizen.
    if level >= 2 and not forms:
        c.fail("forms", f"dịch vụ mức độ {level} phải có ít nhất một mẫu đơn, tờ khai để tải về.")
    if level >= 3 and not online_url:
        c.fail("online_url", f"dịch vụ mức độ {level} phải có địa chỉ nộp hồ sơ trực tuyến.")

    if with_history:
        status = data.get("status")
        if status in (None, ""):
            status = Status.DRAFT.value
        out["status"] = _choice(c, "status", status, STATUS_LABELS)
        for key in ("published_at", "updated_at"):
            try:
                out[key] = parse_timestamp(data.get(key))
            except (ValueError, TypeError):
                c.fail(key, "phải là thời điểm ISO 8601, ví dụ 2011-07-07T08:00:00+07:00.")
                out[key] = None

    if c.errors:
        raise ValidationError(c.errors)
    return out


def validate_agency(data: Any, index: int) -> dict[str, Any]:
    return _validate_ref_item(data, "agencies", index, with_parent=True)


def validate_field(data: Any, index: int) -> dict[str, Any]:
    return _validate_ref_item(data, "fields", index, with_parent=False)


def _validate_ref_item(data: Any, key: str, index: int, *, with_parent: bool) -> dict[str, Any]:
    c = _Checker()
    where = f"{key}[{index}]"
    if not isinstance(data, Mapping):
        raise ValidationError([FieldError(where, f"{where}: phải là đối tượng có code và name.")])
    code = data.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code.strip()):
        c.fail(f"{where}.code", "mã chỉ gồm chữ cái, chữ số và các dấu . - _, dài 1–32 ký tự.")
        code = ""
    name = _text(c, f"{where}.name", data.get("name"), required=True, max_len=300, one_line=True)
    out: dict[str, Any] = {"code": code.strip(), "name": name}
    if with_parent:
        parent = data.get("parent")
        if parent not in (None, "") and not isinstance(parent, str):
            c.fail(f"{where}.parent", "phải là mã một cơ quan hoặc null.")
            parent = None
        out["parent"] = parent.strip() if isinstance(parent, str) and parent.strip() else None
    if c.errors:
        raise ValidationError(c.errors)
    return out


# Tier, audience and status values come from the model enums; keep the label maps in step.
assert set(TIER_LABELS) == {t.value for t in Tier}
assert set(AUDIENCE_LABELS) == {a.value for a in Audience}
assert set(STATUS_LABELS) == {s.value for s in Status}
