"""A service's history: every revision (who, when, what changed), and restoring one."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from catalogue.access import can_edit_service
from catalogue.editing import EditRefused, editions_of, open_edition, revert_service
from catalogue.models import Agency, Field, Revision, Service
from catalogue.operations import ConflictError, Lookups, content_of, diff_content
from catalogue.vocabulary import (
    AUDIENCE_LABELS,
    CHANNEL_LABELS,
    COPY_TYPE_LABELS,
    DOCUMENT_GROUP_LABELS,
    LEVEL_LABELS,
    STATUS_LABELS,
    TIER_LABELS,
    VIETNAM_TZ,
)

from ..extensions import db
from . import bp
from .forms import RevertRevisionForm
from .guard import editable_service, expected_edition, expected_version, manager_required, viewable_service

ACTIONS = {
    "create": "Tạo mới", "update": "Sửa", "publish": "Công bố", "archive": "Lưu trữ",
    "restore": "Khôi phục", "unpublish": "Gỡ công bố", "revert": "Khôi phục bản cũ",
    "import": "Nhập từ tệp", "approve": "Duyệt và xuất bản bản sửa đổi",
}
EDITION_STATES = {
    "draft": "Bản nháp", "review": "Chờ duyệt", "published": "Đã xuất bản", "discarded": "Đã bỏ",
}


@bp.app_template_filter("stamp_vi")
def stamp_vi(value: Any) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time, as the history shows it."""
    return value.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M") if value else ""


def _name_of(model: Any, code: str) -> str | None:
    """The name of an agency or field by code, cached for the request (history pages
    name each code many times)."""
    cache = g.setdefault("code_names", {})
    key = (model.__name__, code)
    if key not in cache:
        cache[key] = db.session.scalar(select(model.name).where(model.code == code))
    return cache[key]


@bp.app_template_filter("change_lines")
def change_lines(value: Any, key: str = "") -> list[str]:
    """A field's value as the lines a person reads (lists one item a line); agencies and
    fields by name, the code after it only when the name is gone."""
    if value is None or value == "" or value == []:
        return []
    if key in ("agency", "field") and isinstance(value, str):
        name = _name_of(Agency if key == "agency" else Field, value)
        return [name] if name else [f"{value} (không còn trong danh mục)"]
    if isinstance(value, list):
        lines = []
        for item in value:
            if isinstance(item, dict) and "copies" in item:
                extra = "".join(f"; {label}" for label in (
                    COPY_TYPE_LABELS.get(item.get("copy_type") or ""),
                    DOCUMENT_GROUP_LABELS.get(item.get("group") or "") if item.get("group") == "show" else "",
                    item.get("condition")) if label)
                lines.append(f"{item.get('name', '')} ({item.get('copies')} bản{extra})")
            elif isinstance(item, dict) and "kind" in item and "url" not in item:
                parts = [CHANNEL_LABELS.get(item["kind"], str(item["kind"])), item.get("processing_time"),
                         item.get("fee"), item.get("description")]
                lines.append(" – ".join(str(p) for p in parts if p))
            elif isinstance(item, dict):
                lines.append(f"{item.get('title', '')} – {item.get('url', '')}")
            else:
                lines.append(str(item))
        return lines
    if key == "level" and value in LEVEL_LABELS:
        return [LEVEL_LABELS[value]]
    labels = {"status": STATUS_LABELS, "tier": TIER_LABELS, "audience": AUDIENCE_LABELS}.get(key, {})
    if value in labels:
        return [labels[value]]
    return [str(value)]


def render_conflict(service: Service, newer: list[Revision]):
    """An outdated copy was refused: show what changed meanwhile, overwrite nothing."""
    return render_template("manage/conflict.html", service=service, newer=newer,
                           actions=ACTIONS), 409


@bp.get("/services/<code>/history")
@manager_required
def history_page(code: str):
    service = viewable_service(code)
    revisions = list(db.session.scalars(
        select(Revision).where(Revision.service_id == service.id).order_by(Revision.number.desc())))
    edition = open_edition(db.session, service)
    form = RevertRevisionForm(formdata=None, data={
        "version": str(service.version), "edition_version": str(edition.version) if edition else ""})
    return render_template("manage/history.html", service=service, revisions=revisions,
                           actions=ACTIONS, form=form, editions=editions_of(db.session, service),
                           edition_states=EDITION_STATES, published=content_of(service),
                           may_restore=can_edit_service(current_user, service))


@bp.post("/services/<code>/revisions/<int:number>/restore")
@manager_required
def revert_revision(code: str, number: int):
    service = editable_service(code)
    form = RevertRevisionForm()
    if not form.validate_on_submit():
        abort(400)
    revision = db.session.scalar(
        select(Revision).where(Revision.service_id == service.id, Revision.number == number))
    if revision is None:
        abort(404)
    try:
        changed = revert_service(db.session, current_user, service, revision,
                                 expected_version=expected_version(form.version.data),
                                 expected_edition=expected_edition(form.edition_version.data),
                                 lookups=Lookups.load(db.session))
        kept = open_edition(db.session, service)
        db.session.commit()
    except ConflictError as exc:
        db.session.rollback()
        return render_conflict(viewable_service(code), exc.newer)
    except StaleDataError:
        db.session.rollback()
        return render_conflict(viewable_service(code), [])
    except EditRefused as exc:
        db.session.rollback()
        flash(f"Không thể khôi phục bản số {number}: {exc.message}", "error")
        return redirect(url_for("manage.history_page", code=code)), 303
    if kept is not None:
        flash(f"Nội dung bản số {number} đã được đưa vào bản sửa đổi; trang công khai giữ nội dung "
              "đang công bố cho đến khi bản sửa đổi được xuất bản.", "success")
        return redirect(url_for("manage.history_page", code=service.code)), 303
    flash(f"Đã khôi phục nội dung của bản số {number}." if changed
          else f"Bản số {number} giống nội dung hiện tại, không có gì thay đổi.", "success")
    return redirect(url_for("manage.history_page", code=service.code)), 303


@bp.app_template_filter("edition_changes")
def edition_changes(edition: Any, published: dict[str, Any]) -> dict[str, list[Any]]:
    """What an edition changes against the published text (for the history page)."""
    return diff_content(published, edition.content)
