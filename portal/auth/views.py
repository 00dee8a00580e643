"""Sign in (throttled), sign out (POST), change one's own password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from catalogue.access import can_manage
from catalogue.accounts import AccountError, find_user, set_password, verify_password
from catalogue.throttle import forgive_attempt, reserve_attempt

from ..extensions import db, login_manager
from . import bp
from .forms import LoginForm, LogoutForm, PasswordChangeForm
from .redirects import safe_next

login_manager.login_view = "auth.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
login_manager.login_message_category = "info"


@login_manager.unauthorized_handler
def unauthorized():
    """A page asks to sign in; a form posted without a session is simply refused."""
    if request.method in ("GET", "HEAD"):
        flash(login_manager.login_message, "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(401)


def _home_for(user) -> str:
    return url_for("manage.services") if can_manage(user) else url_for("public.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, _home_for(current_user)))
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        wait = reserve_attempt(db.session, email, request.remote_addr)
        # Committed before the password is checked: every worker counts this attempt now.
        db.session.commit()
        if wait:
            minutes = max(1, (wait + 59) // 60)
            form.form_errors.append(
                f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.")
            status = 429
        else:
            user = find_user(db.session, email)
            if user is not None and user.active and verify_password(user, form.password.data):
                forgive_attempt(db.session, email, request.remote_addr)
                db.session.commit()
                login_user(user)
                return redirect(safe_next(form.next.data, _home_for(user)))
            form.form_errors.append("Email hoặc mật khẩu không đúng, hoặc tài khoản đã bị khóa.")
            status = 401
    elif request.method == "POST":
        status = 400
    form.password.data = ""
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        # The cookie is signed, not stored: only a new epoch makes a copy of it worthless.
        current_user.end_sessions()
        db.session.commit()
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("public.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        if not verify_password(current_user, form.current.data):
            form.current.errors.append("Mật khẩu hiện tại không đúng.")
            status = 400
        else:
            try:
                set_password(current_user, form.new.data)
            except AccountError as exc:
                form.new.errors.append(str(exc))
                status = 400
            else:
                db.session.commit()
                login_user(current_user._get_current_object())  # this session stays signed in
                flash("Đã đổi mật khẩu.", "success")
                return redirect(_home_for(current_user))
    elif request.method == "POST":
        status = 400
    return render_template("auth/password.html", form=form), status
