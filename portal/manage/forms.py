"""Forms of the editing pages. Field names are the contract's keys.

The service form holds no content rules of its own: :func:`catalogue.validation.
validate_service` is the one rule set, and its errors are put back beside the field or
row they name. Repeatable parts are rows that buttons add, remove and move by posting
the form back, so editing works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from catalogue.life_events import AUDIENCE_TITLES, vocabulary
from catalogue.validation import LABELS
from catalogue.vocabulary import (
    AUDIENCE_LABELS,
    CHANNEL_LABELS,
    COPY_TYPE_LABELS,
    DOCUMENT_GROUP_LABELS,
    FORM_KIND_LABELS,
    LEVEL_LABELS,
    MAX_QUERY_CHARS,
    ONLINE_KIND_LABELS,
    PARTIAL_REASON_LABELS,
    STATUS_LABELS,
    TIER_LABELS,
)


def options(pairs: Any, blank: str | None = None) -> list[SelectChoice]:
    """Select options from (value, label) pairs, with an optional empty first option."""
    items = [SelectChoice("", blank)] if blank is not None else []
    return items + [SelectChoice(str(value), label) for value, label in pairs]


# The repeatable parts and the empty row each gets when "add" is pressed.
ROWS: dict[str, Any] = {
    "steps": "",
    "documents": {"name": "", "copies": "1", "copy_type": "", "group": "submit", "condition": ""},
    "document_notes": "",
    "channels": {"kind": "", "processing_days": "", "processing_time": "", "fee": "",
                 "fee_vnd": "", "description": ""},
    "legal_basis": "",
    "forms": {"title": "", "url": "", "kind": ""},
}
# Values a new row starts with: a row holding only these is blank and left out.
ROW_DEFAULTS = {"copies": "1", "group": "submit"}


class DocumentRow(Form):
    name = TextAreaField("Tên giấy tờ")
    copies = StringField("Số bản", default="1")
    copy_type = SelectField("Loại bản", choices=options(COPY_TYPE_LABELS.items(), "Không ghi"),
                            validate_choice=False)
    group = SelectField("Nhóm", choices=options(DOCUMENT_GROUP_LABELS.items()), default="submit",
                        validate_choice=False)
    condition = StringField("Trường hợp cần (để trống nếu luôn cần)")


class ChannelRow(Form):
    kind = SelectField("Hình thức nộp", choices=options(CHANNEL_LABELS.items(), "– Chọn –"),
                       validate_choice=False)
    processing_days = StringField("Số ngày làm việc")
    processing_time = StringField("Thời hạn (như công bố)")
    fee = StringField("Phí, lệ phí (như công bố)")
    fee_vnd = StringField("Số tiền (đồng; 0 = miễn phí)")
    description = StringField("Mô tả")


class FormRow(Form):
    title = StringField("Tiêu đề mẫu")
    url = StringField("Đường dẫn (http/https)")
    kind = SelectField("Loại liên kết", choices=options(FORM_KIND_LABELS.items(), "Tự nhận biết"),
                       validate_choice=False)
    file = FileField("hoặc tải tệp lên (PDF, DOC, DOCX, XLS, XLSX, ODT)")


class DecisionRow(Form):
    """The act that published the procedure (form names decision-number, decision-date)."""

    number = StringField("Số quyết định")
    date = StringField("Ngày quyết định", render_kw={"type": "date"})


def _choices(labels: dict[Any, str]) -> list[SelectChoice]:
    return options(labels.items(), "– Chọn –")


class ServiceForm(FlaskForm):
    """The whole record; ``version`` is the copy the editor started from."""

    code = StringField(LABELS["code"])
    name = StringField(LABELS["name"])
    level = SelectField(LABELS["level"], choices=_choices(LEVEL_LABELS), validate_choice=False)
    agency = SelectField(LABELS["agency"], validate_choice=False)
    field = SelectField(LABELS["field"], validate_choice=False)
    tier = SelectField(LABELS["tier"], choices=_choices(TIER_LABELS), validate_choice=False)
    audience = SelectField(LABELS["audience"], choices=_choices(AUDIENCE_LABELS),
                           validate_choice=False)
    summary = TextAreaField(LABELS["summary"])
    steps = FieldList(TextAreaField("Bước"))
    method = TextAreaField(LABELS["method"])
    documents = FieldList(FormField(DocumentRow))
    document_notes = FieldList(StringField("Ghi chú"))
    channels = FieldList(FormField(ChannelRow))
    processing_days = StringField(LABELS["processing_days"] + " (ngày làm việc)")
    fees = TextAreaField(LABELS["fees"])
    result = TextAreaField(LABELS["result"])
    legal_basis = FieldList(TextAreaField("Văn bản"))
    requirements = TextAreaField(LABELS["requirements"])
    forms = FieldList(FormField(FormRow))
    online_url = URLField(LABELS["online_url"])
    online_kind = SelectField(LABELS["online_kind"], validate_choice=False,
                              choices=options(ONLINE_KIND_LABELS.items(), "– Theo mức độ –"))
    partial_reason = SelectField(LABELS["partial_reason"], validate_choice=False,
                                 choices=options(PARTIAL_REASON_LABELS.items(), "– Không –"))
    decision = FormField(DecisionRow, label=LABELS["decision"])
    effective_from = StringField(LABELS["effective_from"], render_kw={"type": "date"})
    abolished_on = StringField(LABELS["abolished_on"], render_kw={"type": "date"})
    # Checkboxes, one per life event (catalogue/data/life_events.json); the rule set checks them.
    life_events = SelectMultipleField(
        LABELS["life_events"], validate_choice=False, widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        choices=options((e.code, f"{e.name} ({AUDIENCE_TITLES[e.audience]})") for e in vocabulary().events))
    version = HiddenField()
    # The open edition the copy was made from (empty: none was open).
    edition_version = HiddenField()
    save = SubmitField("Lưu")

    def rows(self) -> dict[str, list[Any]]:
        """The repeatable parts as typed, blank rows included (for re-rendering)."""
        return {
            "steps": [f.data or "" for f in self.steps],
            "documents": [_row(r, ROWS["documents"]) for r in self.documents],
            "document_notes": [f.data or "" for f in self.document_notes],
            "channels": [_row(r, ROWS["channels"]) for r in self.channels],
            "legal_basis": [f.data or "" for f in self.legal_basis],
            "forms": [_row(r, ROWS["forms"]) for r in self.forms],
        }

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(field id, row label, message) for every error, in the order of the page, for
        the summary at the top (GOV.UK's error summary): each links to its field. The row
        label ("Bước 2") is empty for a field whose message already names it."""
        found: list[tuple[str, str, str]] = []
        row_nouns = {"steps": "Bước", "documents": "Giấy tờ", "legal_basis": "Văn bản",
                     "forms": "Mẫu đơn"}
        for name, f in self._fields.items():
            if name in ("csrf_token", "version", "edition_version", "save"):
                continue
            label = str(f.label.text)
            if isinstance(f, FieldList):
                target = f.entries[0].id if f.entries else f"rows-{name}"
                found += [(_first_input(f, target), label, e) for e in f.errors if isinstance(e, str)]
                for i, entry in enumerate(f.entries):
                    noun = f"{row_nouns.get(name, label)} {i + 1}"
                    if isinstance(entry, FormField):
                        if isinstance(entry.errors, list):  # an error on the row as a whole
                            found += [(_first_input_of(entry), noun, e) for e in entry.errors
                                      if isinstance(e, str)]
                        for sub in entry.form:
                            found += [(sub.id, f"{noun}, {str(sub.label.text).lower()}", e)
                                      for e in sub.errors if isinstance(e, str)]
                    else:
                        found += [(entry.id, noun, e) for e in entry.errors if isinstance(e, str)]
            else:
                found += [(f.id, "", e) for e in f.errors if isinstance(e, str)]
        return found

    def typed(self) -> dict[str, Any]:
        """Everything the editor typed, as form data to render again."""
        data = {name: self[name].data for name in (
            "code", "name", "level", "agency", "field", "tier", "audience", "summary", "method",
            "processing_days", "fees", "result", "requirements", "online_url", "online_kind",
            "partial_reason", "effective_from", "abolished_on", "life_events", "version",
            "edition_version")}
        data["decision"] = {"number": self.decision.form.number.data or "",
                            "date": self.decision.form.date.data or ""}
        data.update(self.rows())
        return data


def _row(entry: Any, keys: dict[str, str]) -> dict[str, str]:
    return {k: entry.form[k].data or "" for k in keys}


def _first_input_of(entry: FormField) -> str:
    return next(iter(entry.form)).id


def _first_input(rows: FieldList, fallback: str) -> str:
    """An error about a whole list links to its first row's first input."""
    if rows.entries and isinstance(rows.entries[0], FormField):
        return next(iter(rows.entries[0].form)).id
    return fallback


def _blank(row: Any) -> bool:
    if isinstance(row, dict):
        return all(not str(v or "").strip() or ROW_DEFAULTS.get(k) == str(v).strip()
                   for k, v in row.items())
    return not str(row or "").strip()


def record_from(form: ServiceForm) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The contract's record from the form, blank rows left out.

    Returns the record and, for each list, the form row index of each kept item, so
    that an error on ``steps[1]`` lands on the row the editor sees.
    """
    data = form.typed()
    record: dict[str, Any] = {k: v for k, v in data.items()
                              if k not in ROWS and k not in ("version", "edition_version")}
    if not any(str(v).strip() for v in record["decision"].values()):
        record["decision"] = None
    positions: dict[str, list[int]] = {}
    for key, rows in form.rows().items():
        kept = [(i, row) for i, row in enumerate(rows) if not _blank(row)]
        record[key] = [row for _, row in kept]
        positions[key] = [i for i, _ in kept]
    return record, positions


def place_errors(form: ServiceForm, errors: list[Any], positions: dict[str, list[int]]) -> None:
    """Put each of validate_service's FieldErrors on the field or row it names."""
    for error in errors:
        key, _, rest = error.field.partition("[")
        target = form._fields.get(key)
        if target is None:
            form.form_errors.append(error.message)
            continue
        if rest:
            index_text, _, sub = rest.partition("]")
            kept = positions.get(key, [])
            index = int(index_text) if index_text.isdigit() else -1
            if 0 <= index < len(kept) and kept[index] < len(target.entries):
                entry = target.entries[kept[index]]
                sub = sub.lstrip(".")
                if sub and hasattr(entry, "form") and sub in entry.form._fields:
                    entry.form[sub].errors = [*entry.form[sub].errors, error.message]
                else:
                    entry.errors = [*entry.errors, error.message]
                continue
        target.errors = [*target.errors, error.message] if isinstance(target.errors, list) \
            else [error.message]


class RowAction:
    """Parses the row buttons: ``row=add:steps``, ``remove:forms:2``, ``up:steps:1``."""

    ACTIONS = ("add", "remove", "up", "down")

    @staticmethod
    def parse(value: str | None) -> tuple[str, str, int] | None:
        if not value:
            return None
        parts = value.split(":")
        if len(parts) not in (2, 3) or parts[0] not in RowAction.ACTIONS or parts[1] not in ROWS:
            return None
        index = int(parts[2]) if len(parts) == 3 and parts[2].isdigit() else -1
        return parts[0], parts[1], index

    @staticmethod
    def apply(rows: dict[str, list[Any]], action: tuple[str, str, int]) -> None:
        verb, key, i = action
        items = rows[key]
        if verb == "add":
            items.append(dict(ROWS[key]) if isinstance(ROWS[key], dict) else ROWS[key])
        elif verb == "remove" and 0 <= i < len(items):
            del items[i]
        elif verb == "up" and 0 < i < len(items):
            items[i - 1], items[i] = items[i], items[i - 1]
        elif verb == "down" and 0 <= i < len(items) - 1:
            items[i + 1], items[i] = items[i], items[i + 1]


class ServiceFilterForm(FlaskForm):
    """The list's search: a GET form, no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    q = SearchField("Tìm theo tên hoặc mã", validators=[Optional(), Length(max=MAX_QUERY_CHARS)])
    status = SelectField("Trạng thái", choices=options(STATUS_LABELS.items(), "Tất cả"),
                         validators=[Optional()], validate_choice=False)
    agency = SelectField("Cơ quan", validators=[Optional()], validate_choice=False)
    complete = SelectField("Đầy đủ", choices=options([("incomplete", "Thiếu bộ phận bắt buộc"),
                                                      ("complete", "Đủ 7 bộ phận")], "Tất cả"),
                           validators=[Optional()], validate_choice=False)


class WorkflowForm(FlaskForm):
    """Publish, archive, restore: a POST with the version the editor saw."""

    version = HiddenField()
    submit = SubmitField()


class EditionForm(FlaskForm):
    """Publish or discard the open edition: the versions of the service and edition seen."""

    version = HiddenField()
    edition_version = HiddenField()
    submit = SubmitField()


class ReviewSettingForm(FlaskForm):
    """An admin turns the second person's review on or off for one agency."""

    requires_review = HiddenField()
    submit = SubmitField()


class RevertRevisionForm(FlaskForm):
    version = HiddenField()
    edition_version = HiddenField()
    submit = SubmitField("Khôi phục bản này")


DATE_NEEDED = "Vui lòng chọn ngày (dd/mm/yyyy)."


class NoticeForm(FlaskForm):
    """A planned suspension: shown on every page from ``shows_from`` until it is over."""

    message = TextAreaField("Nội dung thông báo",
                            validators=[DataRequired("Vui lòng nhập nội dung thông báo."), Length(max=2000)])
    shows_from = DateField("Hiển thị từ ngày", validators=[DataRequired(DATE_NEEDED)])
    starts_on = DateField("Tạm dừng từ ngày", validators=[DataRequired(DATE_NEEDED)])
    ends_on = DateField("Hoạt động lại từ ngày", validators=[DataRequired(DATE_NEEDED)])
    submit = SubmitField("Lưu thông báo")


class UserCreateForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Vui lòng nhập email."), Length(max=254)])
    role = SelectField("Vai trò", choices=options([("editor", "Biên tập viên (một cơ quan)"),
                                                   ("reviewer", "Người duyệt (một cơ quan)"),
                                                   ("admin", "Quản trị (toàn bộ)")]),
                       validate_choice=False)
    agency = SelectField("Cơ quan (với biên tập viên)", validate_choice=False)
    password = PasswordField("Mật khẩu ban đầu",
                             validators=[DataRequired("Vui lòng nhập mật khẩu."), Length(max=1000)])
    submit = SubmitField("Tạo tài khoản")


class UserPasswordForm(FlaskForm):
    password = PasswordField("Mật khẩu mới",
                             validators=[DataRequired("Vui lòng nhập mật khẩu."), Length(max=1000)])
    submit = SubmitField("Đặt lại mật khẩu")


class UserActiveForm(FlaskForm):
    submit = SubmitField()


class CalendarDayForm(FlaskForm):
    """One day the government moved: a day off or a make-up working day, with its act."""

    day = StringField("Ngày (dd/mm/yyyy)", validators=[DataRequired("Vui lòng nhập ngày."), Length(max=10)])
    kind = SelectField("Loại ngày", choices=options([("off", "Ngày nghỉ (thay cho ngày làm việc)"),
                                                     ("work", "Ngày làm việc bù (thứ Bảy, Chủ nhật)")]),
                       validate_choice=False)
    decision = StringField("Văn bản quyết định (số, ngày)",
                           validators=[DataRequired("Vui lòng ghi văn bản quyết định."), Length(max=300)])
    note = StringField("Ghi chú", validators=[Optional(), Length(max=300)])
    submit = SubmitField("Thêm vào lịch")


class CalendarRemoveForm(FlaskForm):
    submit = SubmitField("Xóa")
