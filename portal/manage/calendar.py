"""Admin page of the working-day calendar: the days off and make-up working days the
government announces each year, on top of the holidays library."""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from catalogue.access import can_manage_users
from catalogue.clock import today_vn
from catalogue.text import clean_line
from catalogue.workdays import (
    KINDS,
    CalendarError,
    add_calendar_day,
    announced_days,
    holidays_in,
    library_name,
    load_calendar,
    remove_calendar_day,
)

from ..extensions import db
from . import bp
from .forms import CalendarDayForm, CalendarRemoveForm
from .guard import manager_required


def _admin_only() -> None:
    if not can_manage_users(current_user):
        abort(403)


def _parse_day(value: str) -> date | None:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    return None


@bp.route("/calendar", methods=["GET", "POST"])
@manager_required
def calendar():
    _admin_only()
    form = CalendarDayForm()
    status = 200
    if form.validate_on_submit():
        day = _parse_day(form.day.data or "")
        if day is None or not 1900 <= day.year <= 2100:
            form.day.errors = ["Ngày không hợp lệ: hãy nhập dạng dd/mm/yyyy, ví dụ 26/04/2025."]
            status = 422
        else:
            try:
                add_calendar_day(db.session, day, form.kind.data, clean_line(form.decision.data or ""),
                                 clean_line(form.note.data or ""))
            except CalendarError as exc:
                db.session.rollback()
                form.form_errors.append(str(exc))
                status = 422
            else:
                db.session.commit()
                flash(f"Đã thêm ngày {day:%d/%m/%Y} vào lịch làm việc.", "success")
                return redirect(url_for("manage.calendar")), 303
    elif request.method == "POST":
        status = 422
    year = today_vn().year
    work_calendar = load_calendar(db.session)
    library = [(d, name, work_calendar.is_working_day(d)) for d, name in holidays_in(work_calendar, year)]
    return render_template("manage/calendar.html", form=form, days=announced_days(db.session),
                           remove=CalendarRemoveForm(), kinds=KINDS, library=library, year=year,
                           library_name=library_name()), status


@bp.post("/calendar/<int:day_id>/delete")
@manager_required
def remove_calendar(day_id: int):
    _admin_only()
    if not CalendarRemoveForm().validate_on_submit():
        abort(400)
    if not remove_calendar_day(db.session, day_id):
        abort(404)
    db.session.commit()
    flash("Đã xóa ngày khỏi lịch làm việc.", "success")
    return redirect(url_for("manage.calendar")), 303
