"""Accounts: creation and password checks (hashing is Werkzeug's scrypt, a slow hash)."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .models import Agency, Role, User

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10


class AccountError(ValueError):
    """A reason, in Vietnamese, why an account cannot be created or changed."""


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.")


def set_password(user: User, password: str) -> None:
    check_password_strength(password)
    user.password_hash = generate_password_hash(password)


def verify_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    session: Session, email: str, password: str, role: str, agency_code: str | None = None
) -> User:
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise AccountError("Địa chỉ email không hợp lệ.")
    if role not in {r.value for r in Role}:
        raise AccountError("Vai trò phải là admin, editor hoặc reviewer.")
    if find_user(session, email) is not None:
        raise AccountError(f"Đã có tài khoản {email}.")
    agency = None
    if role in (Role.EDITOR, Role.REVIEWER):
        if not agency_code:
            raise AccountError("Biên tập viên và người duyệt phải thuộc một cơ quan (--agency MÃ).")
        agency = session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise AccountError(f"Không có cơ quan mã “{agency_code}”.")
    user = User(email=email, role=role, agency=agency, active=True)
    set_password(user, password)
    session.add(user)
    session.flush()
    return user


def set_active(user: User, active: bool) -> None:
    """Disabling keeps the account and its history; it stops signing in and ends every
    open session for good (re-enabling asks the owner to sign in again)."""
    if not active:
        user.end_sessions()
    user.active = active
