"""Sign-in throttling, kept in the database so every gunicorn worker sees the same count.

Each failed attempt is a row keyed by the e-mail tried and, separately, by the client
address; too many rows in the window and signing in is refused until they age out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Index, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base, UTCDateTime, now_utc

WINDOW = timedelta(minutes=15)
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 30

class LoginFailure(Base):
    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    __table_args__ = (Index("ix_login_failure_key_at", "key", "at"),)


def _keys(email: str, address: str | None) -> tuple[str, str]:
    return f"email:{email.strip().lower()[:250]}", f"addr:{(address or '-')[:64]}"


def _count(session: Session, key: str, since: datetime) -> int:
    return session.scalar(
        select(func.count()).select_from(LoginFailure)
        .where(LoginFailure.key == key, LoginFailure.at >= since)
    ) or 0


def retry_after(session: Session, email: str, address: str | None,
                now: datetime | None = None) -> int:
    """Seconds to wait before trying again, or 0 when an attempt is allowed."""
    now = now or now_utc()
    since = now - WINDOW
    waits = []
    for key, limit in zip(_keys(email, address), (MAX_PER_ACCOUNT, MAX_PER_ADDRESS), strict=True):
        if _count(session, key, since) >= limit:
            newest = session.scalars(
                select(LoginFailure.at).where(LoginFailure.key == key, LoginFailure.at >= since)
                .order_by(LoginFailure.at.desc()).offset(limit - 1).limit(1)
            ).first()
            waits.append(int(((newest or now) + WINDOW - now).total_seconds()) + 1)
    return max(waits, default=0)


def record_failure(session: Session, email: str, address: str | None) -> None:
    now = now_utc()
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - WINDOW))
    for key in _keys(email, address):
        session.add(LoginFailure(key=key, at=now))
    session.flush()


def clear_failures(session: Session, email: str) -> None:
    """A successful sign-in forgives the account's failures (not the address's)."""
    session.execute(delete(LoginFailure).where(LoginFailure.key == _keys(email, None)[0]))
