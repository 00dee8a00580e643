"""The one set of rules for a service record, shared by import, the editing forms and the API.

Input is the contract's record (JSON keys = CSV columns = form field names). Output is a
clean dict with NFC text and proper types, or a :class:`ValidationError` listing every
problem, each naming the field in Vietnamese. Each rule below checks one part of the
record and is named for it; :data:`SERVICE_RULES` is the order they run in.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from . import checks
from .checks import CODE_RE, LABELS, Checker, FieldError, ValidationError, is_http_url
from .clock import today_vn
from .schemes import scheme_on
from .text import clean_line
from .vocabulary import (
    AUDIENCE_LABELS,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    ONLINE_KIND_LABELS,
    PARTIAL_REASON_FROM,
    PARTIAL_REASON_LABELS,
    STATUS_LABELS,
    TIER_LABELS,
    TWO_TIER_FROM,
    VIETNAM_TZ,
    Level,
    OnlineKind,
    Status,
    Tier,
    accepts_online_submission,
    default_online_kind,
    needs_form,
)

__all__ = [
    "LABELS", "RECORD_KEYS", "REQUIRED_KEYS", "TEXT_KEYS", "FieldError", "ValidationError",
    "check_publishable", "is_http_url", "parse_timestamp", "validate_agency", "validate_field",
    "validate_service",
]

TEXT_KEYS = ("summary", "method", "fees", "result", "requirements")
RECORD_KEYS = tuple(k for k in LABELS if k != "updated_at")
REQUIRED_KEYS = ("code", "name", "level", "agency", "field", "tier", "audience")


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


@dataclass
class _Record:
    """One record being checked: the input, the clean output so far, the known codes."""

    data: Mapping[str, Any]
    out: dict[str, Any]
    c: Checker
    agency_codes: Container[str]
    field_codes: Container[str]
    defaulted_kind: bool = False
    # The day the record is (or becomes) public, when it is: the rules of the law in
    # force that day apply (two tiers, Decree 224's reasons). None for a draft.
    published_on: date | None = None


def check_code(r: _Record) -> None:
    code = r.data.get("code")
    code = clean_line(code) if isinstance(code, str) else code
    if not code:
        r.c.fail("code", "không được để trống.")
    elif not isinstance(code, str) or not CODE_RE.match(code):
        r.c.fail("code", "chỉ gồm chữ cái, chữ số và các dấu . - _, dài 1–32 ký tự.")
    r.out["code"] = code if isinstance(code, str) else ""


def check_name(r: _Record) -> None:
    r.out["name"] = checks.text(r.c, "name", r.data.get("name"), required=True,
                                max_len=MAX_NAME_CHARS, one_line=True)


def check_level(r: _Record) -> None:
    level = checks.as_int(r.data.get("level"))
    if level is None or level not in tuple(Level):
        r.c.fail("level", "phải là số nguyên từ 1 đến 4 (Nghị định 43/2011/NĐ-CP).")
        level = 0
    r.out["level"] = level


def check_references(r: _Record) -> None:
    for key, known in (("agency", r.agency_codes), ("field", r.field_codes)):
        ref = checks.reference(r.data.get(key))
        if not ref:
            r.c.fail(key, "không được để trống.")
        elif not isinstance(ref, str) or ref not in known:
            r.c.fail(key, f"không có mã “{ref}” trong danh mục.")
        r.out[key] = ref if isinstance(ref, str) else ""


def check_classification(r: _Record) -> None:
    r.out["tier"] = checks.choice(r.c, "tier", r.data.get("tier"), TIER_LABELS)
    r.out["audience"] = checks.choice(r.c, "audience", r.data.get("audience"), AUDIENCE_LABELS)


def check_texts(r: _Record) -> None:
    for key in TEXT_KEYS:
        r.out[key] = checks.text(r.c, key, r.data.get(key), required=False, max_len=MAX_TEXT_CHARS)


def _lines(r: _Record, key: str, max_len: int) -> list[str]:
    """A list of one-line texts (CSV keeps one item a line); empty items are dropped."""
    found = []
    for i, item in enumerate(checks.items(r.c, key, r.data.get(key))):
        line = checks.text(r.c, f"{key}[{i}]", item, required=True, max_len=max_len, one_line=True)
        if line:
            found.append(line)
    return found


def check_steps(r: _Record) -> None:
    r.out["steps"] = _lines(r, "steps", MAX_TEXT_CHARS)


def check_legal_basis(r: _Record) -> None:
    r.out["legal_basis"] = _lines(r, "legal_basis", 1000)


def check_documents(r: _Record) -> None:
    documents = []
    for i, doc in enumerate(checks.items(r.c, "documents", r.data.get("documents"))):
        if not isinstance(doc, Mapping):
            r.c.fail(f"documents[{i}]", "mỗi giấy tờ phải có tên (name) và số bản (copies).")
            continue
        name = checks.text(r.c, f"documents[{i}].name", doc.get("name"), required=True,
                           max_len=2000, one_line=True)
        copies = checks.as_int(doc.get("copies", 1))
        if copies is None or not 1 <= copies <= 99:
            r.c.fail(f"documents[{i}].copies", "số bản phải là số nguyên từ 1 đến 99.")
            copies = 1
        documents.append({"name": name, "copies": copies})
    r.out["documents"] = documents


def check_forms(r: _Record) -> None:
    forms = []
    for i, form in enumerate(checks.items(r.c, "forms", r.data.get("forms"))):
        if not isinstance(form, Mapping):
            r.c.fail(f"forms[{i}]", "mỗi mẫu đơn phải có tiêu đề (title) và đường dẫn (url).")
            continue
        title = checks.text(r.c, f"forms[{i}].title", form.get("title"), required=True,
                            max_len=MAX_NAME_CHARS, one_line=True)
        message = "phải là địa chỉ http(s) hoặc tệp đã tải lên."
        url = checks.url(r.c, f"forms[{i}].url", form.get("url"), portal_files=True, message=message)
        if not url:
            r.c.fail(f"forms[{i}].url", message)
        forms.append({"title": title, "url": url})
    r.out["forms"] = forms


def check_processing_days(r: _Record) -> None:
    days = r.data.get("processing_days")
    if days is None or days == "":
        r.out["processing_days"] = None
        return
    n = checks.as_int(days)
    if n is None or not 0 <= n <= 3650:
        r.c.fail("processing_days", "phải là số ngày làm việc (số nguyên từ 0), hoặc để trống.")
    r.out["processing_days"] = n


def check_online_url(r: _Record) -> None:
    url = checks.url(r.c, "online_url", r.data.get("online_url"), portal_files=False,
                     message="phải là địa chỉ http:// hoặc https:// hợp lệ.")
    r.out["online_url"] = url or None


def check_level_promises(r: _Record) -> None:
    """Decree 43/2011/NĐ-CP: what each level promises the citizen."""
    level = r.out["level"]
    if needs_form(level) and not r.out["forms"]:
        r.c.fail("forms", f"dịch vụ mức độ {level} phải có ít nhất một mẫu đơn, tờ khai để tải về.")
    if accepts_online_submission(level) and not r.out["online_url"]:
        r.c.fail("online_url", f"dịch vụ mức độ {level} phải có địa chỉ nộp hồ sơ trực tuyến.")


def check_online_kind(r: _Record) -> None:
    """Decree 42/2022 and 224/2026: toàn trình, một phần or not online, and why partial.

    A record without ``online_kind`` (a first-edition file) gets the kind its level
    meant (vocabulary.default_online_kind); ``defaulted`` remembers it, so the reason
    Decree 224 asks of a partial service is not demanded of a kind nobody chose.
    """
    kind = r.data.get("online_kind")
    if kind in (None, ""):
        level = r.out["level"]
        r.out["online_kind"] = default_online_kind(level).value if level else OnlineKind.NONE.value
        r.defaulted_kind = True
    else:
        r.out["online_kind"] = checks.choice(r.c, "online_kind", kind, ONLINE_KIND_LABELS)
    reason = r.data.get("partial_reason")
    if reason in (None, ""):
        r.out["partial_reason"] = None
    else:
        r.out["partial_reason"] = checks.choice(r.c, "partial_reason", reason,
                                                PARTIAL_REASON_LABELS) or None
        if r.out["partial_reason"] and r.out["online_kind"] != OnlineKind.PARTIAL:
            r.c.fail("partial_reason", "chỉ ghi lý do khi dịch vụ trực tuyến một phần.")


def check_online_promises(r: _Record) -> None:
    """Level 4 of Decree 43 and toàn trình of Decree 42 are the same promise: everything
    online, the result included; an online service (full or partial) takes applications
    at its online address."""
    kind, level = r.out["online_kind"], r.out["level"]
    if not kind or not level:
        return
    if r.published_on is not None and not scheme_on(r.published_on).by_kind:
        return  # public before 1/8/2022: no Decree 42 kind yet, levels alone count
    if level == Level.ONLINE_PAYMENT and kind != OnlineKind.FULL:
        r.c.fail("online_kind", "dịch vụ mức độ 4 là dịch vụ công trực tuyến toàn trình.")
    elif kind == OnlineKind.FULL and level != Level.ONLINE_PAYMENT:
        r.c.fail("online_kind", "dịch vụ toàn trình phải ở mức độ 4 (nộp, thanh toán và nhận "
                                "kết quả trực tuyến).")
    if kind in (OnlineKind.FULL, OnlineKind.PARTIAL) and not r.out["online_url"] \
            and not accepts_online_submission(level):
        r.c.fail("online_url", "dịch vụ công trực tuyến phải có địa chỉ nộp hồ sơ trực tuyến.")


def check_decision(r: _Record) -> None:
    """The act that published the procedure: ``{"number", "date"}`` or null."""
    value = r.data.get("decision")
    if value in (None, "", {}):
        r.out["decision"] = None
        return
    if not isinstance(value, Mapping):
        r.c.fail("decision", "phải là {\"number\": số quyết định, \"date\": ngày} hoặc để trống.")
        r.out["decision"] = None
        return
    number = checks.text(r.c, "decision.number", value.get("number"), required=True,
                         max_len=100, one_line=True)
    day = checks.iso_date(r.c, "decision.date", value.get("date"))
    r.out["decision"] = {"number": number, "date": day.isoformat() if day else None}


def check_dates(r: _Record) -> None:
    """When the procedure applies: ISO dates, and it is abolished after it took effect."""
    start = checks.iso_date(r.c, "effective_from", r.data.get("effective_from"))
    end = checks.iso_date(r.c, "abolished_on", r.data.get("abolished_on"))
    if start and end and end <= start:
        r.c.fail("abolished_on", "phải sau ngày bắt đầu áp dụng.")
    r.out["effective_from"] = start.isoformat() if start else None
    r.out["abolished_on"] = end.isoformat() if end else None


def check_published_rules(r: _Record) -> None:
    """What the law in force on the day of publication asks (no rule for a draft)."""
    if r.published_on is None:
        return
    for problem in publication_problems(r.out, r.published_on,
                                        reason_required=not r.defaulted_kind):
        r.c.fail(*problem)


def publication_problems(record: Mapping[str, Any], day: date, *,
                         reason_required: bool = True) -> list[tuple[str, str]]:
    """(field, message) of every rule ``record`` breaks if it is public on ``day``: from
    2025-07-01 local government has two tiers, from 2026-07-01 (Decree 224/2026) a
    partial service states why."""
    problems = []
    start = record.get("effective_from")
    if start and date.fromisoformat(start) > day:
        day = date.fromisoformat(start)  # public from the day it applies
    if record.get("tier") == Tier.DISTRICT and day >= TWO_TIER_FROM:
        problems.append(("tier", "từ 01/07/2025 chính quyền địa phương hai cấp, không còn "
                                 "cấp huyện: chọn cấp tỉnh hoặc cấp xã."))
    if (reason_required and record.get("online_kind") == OnlineKind.PARTIAL
            and not record.get("partial_reason") and day >= PARTIAL_REASON_FROM):
        problems.append(("partial_reason", "từ 01/07/2026 (Nghị định 224/2026/NĐ-CP), dịch vụ "
                                           "trực tuyến một phần phải nêu lý do."))
    return problems


def check_publishable(record: Mapping[str, Any], day: date) -> None:
    """The workflow's check before a service goes public on ``day``: raises
    :class:`ValidationError` with the same messages the forms show."""
    c = Checker()
    for problem in publication_problems(record, day):
        c.fail(*problem)
    c.raise_if_failed()


def _publication_day(r: _Record) -> date | None:
    """The day an imported record is public: its published_at, or today."""
    if r.out.get("status") in (None, "", Status.DRAFT):
        return None
    stamp = r.out.get("published_at")
    return stamp.astimezone(VIETNAM_TZ).date() if stamp else today_vn()


def check_history(r: _Record) -> None:
    """Status and dates as an imported file carries them (import only)."""
    status = r.data.get("status")
    if status in (None, ""):
        status = Status.DRAFT.value
    r.out["status"] = checks.choice(r.c, "status", status, STATUS_LABELS)
    for key in ("published_at", "updated_at"):
        try:
            r.out[key] = parse_timestamp(r.data.get(key))
        except (ValueError, TypeError):
            r.c.fail(key, "phải là thời điểm ISO 8601, ví dụ 2011-07-07T08:00:00+07:00.")
            r.out[key] = None
    if r.published_on is None:
        r.published_on = _publication_day(r)


SERVICE_RULES: tuple[Callable[[_Record], None], ...] = (
    check_code, check_name, check_level, check_references, check_classification, check_texts,
    check_steps, check_legal_basis, check_documents, check_forms, check_processing_days,
    check_online_url, check_level_promises, check_online_kind, check_decision, check_dates,
)


def validate_service(
    data: Mapping[str, Any],
    *,
    agency_codes: Container[str],
    field_codes: Container[str],
    with_history: bool = False,
    published_on: date | None = None,
) -> dict[str, Any]:
    """Check one record against the contract and the decrees.

    ``with_history`` accepts ``status`` and ``published_at`` from the input, as import
    does; forms and the API change status through the workflow instead.
    ``published_on``: the day the record goes public (an edit of a published service:
    today); import reads it from the record's status and ``published_at``.
    """
    record = _Record(data, {}, Checker(), agency_codes, field_codes, published_on=published_on)
    rules = SERVICE_RULES + ((check_history,) if with_history else ())
    for rule in rules + (check_online_promises, check_published_rules):
        rule(record)
    record.c.raise_if_failed()
    return record.out


def validate_agency(data: Any, index: int) -> dict[str, Any]:
    return _validate_ref_item(data, "agencies", index, with_parent=True)


def validate_field(data: Any, index: int) -> dict[str, Any]:
    return _validate_ref_item(data, "fields", index, with_parent=False)


def _validate_ref_item(data: Any, key: str, index: int, *, with_parent: bool) -> dict[str, Any]:
    c = Checker()
    where = f"{key}[{index}]"
    if not isinstance(data, Mapping):
        raise ValidationError([FieldError(where, f"{where}: phải là đối tượng có code và name.")])
    code = data.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code.strip()):
        c.fail(f"{where}.code", "mã chỉ gồm chữ cái, chữ số và các dấu . - _, dài 1–32 ký tự.")
        code = ""
    name = checks.text(c, f"{where}.name", data.get("name"), required=True, max_len=300, one_line=True)
    out: dict[str, Any] = {"code": code.strip(), "name": name}
    if with_parent:
        parent = data.get("parent")
        if parent not in (None, "") and not isinstance(parent, str):
            c.fail(f"{where}.parent", "phải là mã một cơ quan hoặc null.")
            parent = None
        out["parent"] = parent.strip() if isinstance(parent, str) and parent.strip() else None
    c.raise_if_failed()
    return out
