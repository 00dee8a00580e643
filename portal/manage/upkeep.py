"""Upkeep pages of an agency: entries due for review, broken links, citizens' feedback,
and (admins) the planned-downtime notices. Editors see their own agency; admins pick one."""

from __future__ import annotations

from datetime import datetime, time

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from catalogue.access import can_see_agency_upkeep, is_admin
from catalogue.feedback import feedback_of_agency
from catalogue.links import broken_links
from catalogue.models import Agency
from catalogue.notices import NoticeError, forget_notices, notices, save_notice
from catalogue.text import sort_key
from catalogue.upkeep import services_due_for_review
from catalogue.vocabulary import VIETNAM_TZ

from ..extensions import db
from . import bp
from .forms import NoticeForm, WorkflowForm
from .guard import manager_required


def _agency_in_view() -> tuple[Agency | None, list[Agency]]:
    """Editors: their agency. Admins: the one chosen with ``agency=`` (None: all)."""
    if not is_admin(current_user):
        return current_user.agency, []
    agencies = sorted(db.session.scalars(select(Agency)), key=lambda a: sort_key(a.name))
    code = request.args.get("agency", "")
    chosen = next((a for a in agencies if a.code == code), None)
    if code and chosen is None:
        abort(404)
    return chosen, agencies


def _check(agency: Agency | None) -> None:
    if not can_see_agency_upkeep(current_user, agency.id if agency else None) and not is_admin(current_user):
        abort(403)


@bp.get("/review")
@manager_required
def review_list():
    agency, agencies = _agency_in_view()
    _check(agency)
    months = int(current_app.config["REVIEW_PERIOD_MONTHS"])
    due = services_due_for_review(db.session, agency.id if agency else None, months)
    return render_template("manage/review.html", due=due, months=months, agency=agency,
                           agencies=agencies, form=WorkflowForm())


@bp.get("/links")
@manager_required
def link_report():
    agency, agencies = _agency_in_view()
    _check(agency)
    broken = broken_links(db.session, agency.id if agency else None)
    return render_template("manage/links.html", broken=broken, agency=agency, agencies=agencies)


@bp.get("/feedback")
@manager_required
def feedback_page():
    agency, agencies = _agency_in_view()
    _check(agency)
    return render_template("manage/feedback.html", summary=feedback_of_agency(
        db.session, agency.id if agency else None), agency=agency, agencies=agencies)


def _vn_date(value) -> datetime:
    return datetime.combine(value, time(0, 0), tzinfo=VIETNAM_TZ)


@bp.route("/notices", methods=["GET", "POST"])
@manager_required
def notices_page():
    if not is_admin(current_user):
        abort(403)
    form = NoticeForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("manage/notices.html", form=form, notices=notices(db.session)), 422
        try:
            save_notice(db.session, form.message.data, _vn_date(form.shows_from.data),
                        _vn_date(form.starts_on.data), _vn_date(form.ends_on.data), current_user.email)
        except NoticeError as exc:
            db.session.rollback()
            form.message.errors = [str(exc)]
            return render_template("manage/notices.html", form=form, notices=notices(db.session)), 422
        db.session.commit()
        forget_notices()  # shown from this process's next page on, not in up to 30 s
        flash("Đã lưu thông báo tạm dừng.", "success")
        return redirect(url_for("manage.notices_page")), 303
    return render_template("manage/notices.html", form=form, notices=notices(db.session))
