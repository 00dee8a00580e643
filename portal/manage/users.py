"""Admin pages for accounts: create, disable, re-enable, reset a password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from catalogue.access import can_change_account, can_manage_users
from catalogue.accounts import AccountError, create_user, set_active, set_password
from catalogue.models import Agency, User

from ..extensions import db
from . import bp
from .forms import UserActiveForm, UserCreateForm, UserPasswordForm, options
from .guard import manager_required


def _admin_only() -> None:
    if not can_manage_users(current_user):
        abort(403)


def _account(user_id: int) -> User:
    account = db.session.get(User, user_id)
    if account is None:
        abort(404)
    if not can_change_account(current_user, account):
        abort(403)
    return account


def _create_form() -> UserCreateForm:
    form = UserCreateForm()
    agencies = db.session.scalars(select(Agency).order_by(Agency.name))
    form.agency.choices = options([(a.code, a.name) for a in agencies], "– Không –")
    return form


@bp.route("/users", methods=["GET", "POST"])
@manager_required
def users():
    _admin_only()
    form = _create_form()
    status = 200
    if form.validate_on_submit():
        try:
            account = create_user(db.session, form.email.data, form.password.data, form.role.data,
                                  form.agency.data or None)
        except AccountError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            status = 422
        else:
            db.session.commit()
            flash(f"Đã tạo tài khoản {account.email}.", "success")
            return redirect(url_for("manage.users")), 303
    elif request.method == "POST":
        status = 422
    form.password.data = ""
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("manage/users.html", form=form, accounts=accounts,
                           toggle=UserActiveForm(), me=current_user), status


@bp.post("/users/<int:user_id>/<any(disable, enable):action>")
@manager_required
def toggle_user(user_id: int, action: str):
    _admin_only()
    account = _account(user_id)
    if not UserActiveForm().validate_on_submit():
        abort(400)
    set_active(account, action == "enable")
    db.session.commit()
    flash(f"Đã {'mở lại' if action == 'enable' else 'khóa'} tài khoản {account.email}.", "success")
    return redirect(url_for("manage.users")), 303


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@manager_required
def reset_password(user_id: int):
    _admin_only()
    account = _account(user_id)
    form = UserPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            set_password(account, form.password.data)
        except AccountError as exc:
            form.password.errors.append(str(exc))
            status = 422
        else:
            db.session.commit()
            flash(f"Đã đặt lại mật khẩu cho {account.email}.", "success")
            return redirect(url_for("manage.users")), 303
    elif request.method == "POST":
        status = 422
    return render_template("manage/user_password.html", form=form, account=account), status
