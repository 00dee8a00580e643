"""Forms of signing in and of one's own password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

REQUIRED = "Vui lòng nhập {}."


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(REQUIRED.format("email")), Length(max=254)])
    password = PasswordField("Mật khẩu",
                             validators=[DataRequired(REQUIRED.format("mật khẩu")), Length(max=1000)])
    next = HiddenField()
    submit = SubmitField("Đăng nhập")


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Mật khẩu hiện tại",
                            validators=[DataRequired(REQUIRED.format("mật khẩu hiện tại")),
                                        Length(max=1000)])
    new = PasswordField("Mật khẩu mới",
                        validators=[DataRequired(REQUIRED.format("mật khẩu mới")), Length(max=1000)])
    confirm = PasswordField("Nhập lại mật khẩu mới",
                            validators=[EqualTo("new", message="Hai lần nhập mật khẩu mới không khớp.")])
    submit = SubmitField("Đổi mật khẩu")


class LogoutForm(FlaskForm):
    """Signing out is a POST with a CSRF token, so no other site can sign a user out."""

    submit = SubmitField("Đăng xuất")
