"""The editor's services: list, create, edit, preview, and the workflow buttons."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError

from catalogue.access import (
    can_approve_edition,
    can_create_service,
    is_admin,
    services_visible_to,
)
from catalogue.completeness import missing_parts
from catalogue.editing import (
    AgencyNotAllowed,
    ApprovalNotAllowed,
    CodeTaken,
    EditRefused,
    confirm_reviewed,
    discard_edition,
    mark_reviewed,
    open_edition,
    publish_edition,
    save_service,
)
from catalogue.links import broken_links
from catalogue.models import Agency, Revision, Service, Status
from catalogue.operations import (
    Actor,
    ConflictError,
    Lookups,
    TransitionError,
    change_status,
    record_of,
)
from catalogue.text import fold, sort_key
from catalogue.validation import ValidationError
from catalogue.vocabulary import MAX_QUERY_CHARS

from ..extensions import db
from ..public.service_context import service_context
from . import bp
from .editing import blank_form, form_of, read_submission
from .forms import EditionForm, ServiceFilterForm, WorkflowForm, options
from .guard import editable_service, expected_edition, expected_version, manager_required, viewable_service
from .history import render_conflict

PER_PAGE = 50

# The workflow buttons: URL action -> (target status, Vietnamese past tense for the message).
WORKFLOW = {
    "publish": (Status.PUBLISHED, "Đã công bố"),
    "archive": (Status.ARCHIVED, "Đã lưu trữ"),
    "restore": (Status.DRAFT, "Đã khôi phục về bản nháp"),
    "unpublish": (Status.DRAFT, "Đã gỡ công bố, chuyển về bản nháp"),
}


@bp.get("/")
@manager_required
def index():
    return redirect(url_for("manage.services"))


@bp.get("/services")
@manager_required
def services():
    form = ServiceFilterForm(request.args)
    agencies = sorted(db.session.scalars(select(Agency)), key=lambda a: sort_key(a.name))
    form.agency.choices = options([(a.code, a.name) for a in agencies], "Tất cả")
    # Match on code and name only (folded: diacritics optional), then load one page of rows.
    stmt = select(Service.id, Service.code, Service.name).where(services_visible_to(current_user))
    if form.status.data in {s.value for s in Status}:
        stmt = stmt.where(Service.status == form.status.data)
    if form.complete.data in ("incomplete", "complete"):
        stmt = stmt.where(_incomplete() if form.complete.data == "incomplete" else ~_incomplete())
    if is_admin(current_user) and form.agency.data:
        stmt = stmt.join(Agency, Service.agency_id == Agency.id).where(Agency.code == form.agency.data)
    # Drafts and archived entries are not in the public search index: match here, on code
    # and name (folded: diacritics optional), in Vietnamese alphabetical order.
    words = fold(form.q.data or "")[:MAX_QUERY_CHARS].split()
    matched = [row for row in db.session.execute(stmt)
               if all(w in fold(f"{row.code} {row.name}") for w in words)]
    found = [row.id for row in sorted(matched, key=lambda r: (sort_key(r.name), r.code))]
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    pages = max(1, -(-len(found) // PER_PAGE))
    page_ids = found[(page - 1) * PER_PAGE: page * PER_PAGE]
    rows = {s.id: s for s in db.session.scalars(select(Service).where(Service.id.in_(page_ids)))}
    shown = [rows[i] for i in page_ids]
    broken = {b.service_id for b in broken_links(db.session, service_ids=page_ids)}
    return render_template("manage/services.html", form=form, services=shown, total=len(found),
                           page=min(page, pages), pages=pages, is_admin=is_admin(current_user),
                           broken=broken,
                           missing={s.id: missing_parts(record_of(s)) for s in shown})


def _incomplete():
    """Services whose latest revision lacks a mandatory part (catalogue.completeness)."""
    later = aliased(Revision)
    latest = (select(func.max(later.number)).where(later.service_id == Service.id)
              .correlate(Service).scalar_subquery())
    return exists().where(Revision.service_id == Service.id, Revision.number == latest,
                          Revision.missing_parts > 0)


def _render_form(form, service=None, status=200, conflict=None):
    edition = open_edition(db.session, service) if service is not None else None
    return render_template(
        "manage/edit.html", form=form, service=service, conflict=conflict, workflow=WorkflowForm(),
        edition=edition, needs_review=bool(service and service.agency.requires_review),
        may_approve=bool(service and can_approve_edition(current_user, service)),
        broken=broken_links(db.session, service_ids=[service.id]) if service else [],
    ), status


def _save(sub, lookups, code=None, service=None, version=None, edition=None, publish=False):
    """Save a valid submission and commit; a refusal comes back as the page to show."""
    try:
        saved = save_service(db.session, current_user, sub.clean, service=service,
                             expected_version=version, lookups=lookups,
                             expected_edition=edition, publish=publish)
        db.session.commit()
        return saved, None
    except AgencyNotAllowed:
        db.session.rollback()
        abort(403)
    except CodeTaken as exc:
        db.session.rollback()
        sub.form.code.errors = [exc.message]
        return None, _render_form(sub.form, service, status=422)
    except ConflictError as exc:
        db.session.rollback()
        return None, _render_form(sub.form, viewable_service(code), status=409, conflict=exc.newer)
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        if service is None:  # another editor took the code between the check and the insert
            sub.form.code.errors = ["Mã thủ tục vừa được dùng cho thủ tục khác. Vui lòng chọn mã khác."]
            return None, _render_form(sub.form, status=409)
        return None, _render_form(sub.form, viewable_service(code), status=409, conflict=[])


@bp.route("/services/new", methods=["GET", "POST"])
@manager_required
def new_service():
    if not can_create_service(current_user):
        abort(403)
    lookups = Lookups.load(db.session)
    if request.method == "GET":
        return _render_form(blank_form(lookups))
    sub = read_submission(lookups)
    if sub.rows_changed:
        return _render_form(sub.form)
    if sub.clean is None:
        return _render_form(sub.form, status=422)
    saved, refused = _save(sub, lookups)
    if refused is not None:
        return refused
    service = saved.service
    flash(f"Đã tạo bản nháp “{service.name}”.", "success")
    return redirect(url_for("manage.edit_service", code=service.code))


@bp.route("/services/<code>/edit", methods=["GET", "POST"])
@manager_required
def edit_service(code: str):
    service = editable_service(code)
    lookups = Lookups.load(db.session)
    if request.method == "GET":
            return _render_form(form_of(service, lookups, open_edition(db.session, service)), service)
    sub = read_submission(lookups, service)
    if sub.rows_changed:
        return _render_form(sub.form, service)
    version = expected_version(sub.form.version.data)
    edition = expected_edition(sub.form.edition_version.data)
    if sub.clean is None:
        return _render_form(sub.form, service, status=422)
    publish = request.form.get("publish") == "1"
    saved, refused = _save(sub, lookups, code, service, version, edition, publish)
    if refused is not None:
        return refused
    flash(_saved_message(saved, publish), "success")
    return redirect(url_for("manage.edit_service", code=service.code))


def _saved_message(saved, publish: bool) -> str:
    if saved.edition is not None and publish:
        return ("Đã gửi bản sửa đổi để duyệt. Trang công khai giữ nội dung đang công bố "
                "cho đến khi người duyệt của cơ quan xuất bản.")
    if saved.edition is not None:
        return ("Đã lưu bản sửa đổi (bản nháp). Trang công khai vẫn giữ nội dung đang công bố "
                "cho đến khi bản sửa đổi được xuất bản.")
    if saved.live:
        return "Đã lưu và xuất bản thay đổi." if saved.revision else "Đã xác nhận nội dung đang công bố."
    return "Đã lưu thay đổi." if saved.revision else "Không có gì thay đổi."


@bp.post("/services/<code>/edition/<any(publish, discard):action>")
@manager_required
def edition_action(code: str, action: str):
    """Publish the open edition (a reviewer approves it where the agency asks for review),
    or throw it away."""
    service = editable_service(code)
    form = EditionForm()
    if not form.validate_on_submit():
        abort(400)
    version = expected_version(form.version.data)
    edition = expected_edition(form.edition_version.data)
    try:
        if action == "publish":
            changed = publish_edition(db.session, current_user, service, expected_version=version,
                                      expected_edition=edition)
        else:
            discard_edition(db.session, current_user, service, expected_version=version,
                            expected_edition=edition)
        db.session.commit()
    except ApprovalNotAllowed:
        db.session.rollback()
        abort(403)
    except ConflictError as exc:
        db.session.rollback()
        return render_conflict(viewable_service(code), exc.newer)
    except StaleDataError:
        db.session.rollback()
        return render_conflict(viewable_service(code), [])
    except EditRefused as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("manage.edit_service", code=code)), 303
    if action == "publish":
        flash("Đã xuất bản bản sửa đổi." if changed else
              "Đã xuất bản bản sửa đổi (nội dung giống bản đang công bố).", "success")
    else:
        flash("Đã bỏ bản sửa đổi. Nội dung đang công bố giữ nguyên.", "success")
    return redirect(url_for("manage.edit_service", code=service.code)), 303


@bp.post("/services/<code>/reviewed")
@manager_required
def confirm_service_reviewed(code: str):
    """"Xác nhận đã rà soát": the editor looked and the entry is right as it stands."""
    service = editable_service(code)
    form = WorkflowForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        confirm_reviewed(db.session, service, expected_version=expected_version(form.version.data))
        db.session.commit()
    except ConflictError as exc:
        db.session.rollback()
        return render_conflict(viewable_service(code), exc.newer)
    except StaleDataError:
        db.session.rollback()
        return render_conflict(viewable_service(code), [])
    flash(f"Đã xác nhận rà soát “{service.name}”.", "success")
    back = url_for("manage.review_list") if request.form.get("back") == "review" else \
        url_for("manage.edit_service", code=code)
    return redirect(back), 303


@bp.get("/services/<code>/preview")
@manager_required
def preview_service(code: str):
    service = viewable_service(code)
    return render_template("manage/preview.html", **service_context(service))


@bp.post("/services/<code>/<any(publish, archive, restore, unpublish):action>")
@manager_required
def move_service(code: str, action: str):
    service = editable_service(code)
    form = WorkflowForm()
    if not form.validate_on_submit():
        abort(400)
    target, done = WORKFLOW[action]
    version = expected_version(form.version.data)
    try:
        if target == Status.PUBLISHED and version == service.version:  # publishing is a review too
            mark_reviewed(service)
        change_status(db.session, service, target, Actor.of(current_user), expected_version=version)
        db.session.commit()
    except ConflictError as exc:
        db.session.rollback()
        return render_conflict(viewable_service(code), exc.newer)
    except (TransitionError, StaleDataError):
        db.session.rollback()
        flash("Không thể chuyển thủ tục sang trạng thái đó từ trạng thái hiện tại.", "error")
        return redirect(url_for("manage.edit_service", code=code)), 303
    except ValidationError as exc:  # what the law in force asks of a public service
        db.session.rollback()
        for error in exc.errors:
            flash(f"Chưa thể công bố: {error.message}", "error")
        return redirect(url_for("manage.edit_service", code=code)), 303
    flash(f"{done} “{service.name}”.", "success")
    return redirect(url_for("manage.edit_service", code=code)), 303
