"""The service form's round trip: uploads, row buttons, the one rule set, the save.

Kept apart from the views so that "new" and "edit" share it and stay thin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from catalogue.access import is_admin
from catalogue.clock import today_vn
from catalogue.models import Service, Status
from catalogue.operations import Lookups, content_of
from catalogue.text import clean_line, sort_key
from catalogue.uploads import UploadError, store_upload, url_of
from catalogue.validation import ValidationError, validate_service

from .forms import RowAction, ServiceForm, options, place_errors, record_from


@dataclass
class Submission:
    """What a POST of the service form amounts to."""

    form: ServiceForm
    clean: dict[str, Any] | None = None
    rows_changed: bool = False
    problems: list[str] = field(default_factory=list)


def set_choices(form: ServiceForm, lookups: Lookups) -> None:
    """Editors are offered their own agency only (the server checks it again on save)."""
    agencies = sorted(lookups.agencies.values(), key=lambda a: sort_key(a.name))
    if not is_admin(current_user):
        agencies = [a for a in agencies if a.id == current_user.agency_id]
    form.agency.choices = options([(a.code, a.name) for a in agencies],
                                  "– Chọn –" if is_admin(current_user) else None)
    fields = sorted(lookups.fields.values(), key=lambda f: sort_key(f.name))
    form.field.choices = options([(f.code, f.name) for f in fields], "– Chọn –")


def blank_form(lookups: Lookups) -> ServiceForm:
    agency = "" if is_admin(current_user) else current_user.agency.code
    form = ServiceForm(formdata=None, data={
        "agency": agency, "level": "", "steps": [""], "documents": [{"name": "", "copies": "1"}],
        "legal_basis": [""], "forms": [], "version": "",
    })
    set_choices(form, lookups)
    return form


def form_of(service: Service, lookups: Lookups) -> ServiceForm:
    data = content_of(service)
    data["processing_days"] = "" if data["processing_days"] is None else data["processing_days"]
    data["online_url"] = data["online_url"] or ""
    for key in ("partial_reason", "effective_from", "abolished_on"):
        data[key] = data[key] or ""
    data["decision"] = data["decision"] or {"number": "", "date": ""}
    data["decision"] = {k: v or "" for k, v in data["decision"].items()}
    data["version"] = str(service.version)
    form = ServiceForm(formdata=None, data=data)
    set_choices(form, lookups)
    return form


def _store_uploads(form: ServiceForm) -> list[str]:
    """Files are kept as soon as they arrive, so a refused save loses no upload."""
    problems = []
    for entry in form.forms:
        upload = entry.form.file.data
        if not isinstance(upload, FileStorage) or not upload.filename:
            continue
        try:
            name = store_upload(current_app.config["UPLOAD_DIR"], upload.filename, upload.stream,
                                current_app.config["UPLOAD_MAX_BYTES"])
        except UploadError as exc:
            entry.form.file.errors = [str(exc)]
            problems.append(str(exc))
            continue
        entry.form.url.data = url_of(name)
        if not (entry.form.title.data or "").strip():
            entry.form.title.data = clean_line(upload.filename.rsplit(".", 1)[0])[:500]
    return problems


def read_submission(lookups: Lookups, service: Service | None = None) -> Submission:
    form = ServiceForm()
    set_choices(form, lookups)
    form.validate()  # only the CSRF token: the content rules are validate_service's
    problems = _store_uploads(form)
    action = RowAction.parse(request.form.get("row"))
    if action is not None:
        data = form.typed()
        RowAction.apply(data, action)
        rows_form = ServiceForm(formdata=None, data=data)
        set_choices(rows_form, lookups)
        return Submission(rows_form, rows_changed=True)
    record, positions = record_from(form)
    try:
        # An edit of a published service is public at once: today's law applies to it.
        public = service is not None and service.status == Status.PUBLISHED
        clean = validate_service(record, agency_codes=lookups.agencies, field_codes=lookups.fields,
                                 published_on=today_vn() if public else None)
    except ValidationError as exc:
        place_errors(form, exc.errors, positions)
        return Submission(form, problems=problems + [e.message for e in exc.errors])
    return Submission(form, clean=None if problems else clean, problems=problems)
