"""Admin page of each agency's editing rules: whether a second person reviews editions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from catalogue.access import can_manage_review_settings
from catalogue.models import Agency
from catalogue.text import sort_key

from ..extensions import db
from . import bp
from .forms import ReviewSettingForm
from .guard import manager_required


@bp.get("/agencies")
@manager_required
def agencies():
    if not can_manage_review_settings(current_user):
        abort(403)
    rows = sorted(db.session.scalars(select(Agency)), key=lambda a: sort_key(a.name))
    return render_template("manage/agencies.html", agencies=rows, form=ReviewSettingForm())


@bp.post("/agencies/<code>/review")
@manager_required
def set_agency_review(code: str):
    if not can_manage_review_settings(current_user):
        abort(403)
    form = ReviewSettingForm()
    if not form.validate_on_submit() or form.requires_review.data not in ("0", "1"):
        abort(400)
    agency = db.session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        abort(404)
    agency.requires_review = form.requires_review.data == "1"
    db.session.commit()
    flash(f"{agency.name}: " + ("mỗi bản sửa đổi cần người duyệt trước khi xuất bản."
                                 if agency.requires_review else "biên tập viên tự xuất bản bản sửa đổi."),
          "success")
    return redirect(url_for("manage.agencies")), 303
