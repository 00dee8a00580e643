"""Sign-in throttling, kept in the database so every gunicorn worker sees the same count.

What is counted: attempts, each *reserved* before its password is checked, by one atomic
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` per counter (PostgreSQL and SQLite
alike), and committed by the view before the check. So however many workers or threads
try at once, no more guesses are checked than the limit: the sixth parallel attempt
reads 6 and is refused (the attack run's six threads got seven guesses checked when the
count was read first and written after). A successful sign-in gives its reservation back.

Which counters, and why in this order:

1. the (address, account) pair, ``MAX_PER_PAIR`` attempts per window: a stranger guessing
   an editor's password from their own address is stopped there, and only there, so the
   editor, at another address, still signs in (before, five wrong guesses by anyone
   locked the owner out too);
2. the address, ``MAX_PER_ADDRESS`` attempts per window, across accounts (one address
   trying many accounts);
3. the account, ``MAX_PER_ACCOUNT`` attempts per window from every address together: the
   slower bound against guessing from many addresses. Reaching it takes
   ``MAX_PER_ACCOUNT / MAX_PER_PAIR`` addresses (ten), and then locks the owner too: the
   price of bounding a distributed guess at all.

An attempt refused by one counter is not counted by the later ones, so hammering from
one address never feeds the account's global count. A counter is a fixed window started
by its first attempt (``window_start``): at most twice the limit can fall within one
window's length across two windows, still a hard bound on the rate.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Index, String, case, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base, UTCDateTime, now_utc

WINDOW = timedelta(minutes=15)
MAX_PER_PAIR = 5
MAX_PER_ADDRESS = 30
MAX_PER_ACCOUNT = 50


class LoginThrottle(Base):
    """One counter: its key (``pair:``, ``addr:`` or ``email:``), window and attempts."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int]

    __table_args__ = (Index("ix_login_throttle_window_start", "window_start"),)


def _email(email: str) -> str:
    return email.strip().lower()[:250]


def _address(address: str | None) -> str:
    return (address or "-")[:64]


def counters(email: str, address: str | None) -> list[tuple[str, int]]:
    """The keys of one attempt with their limits, in the order they are checked."""
    return [
        (f"pair:{_address(address)} {_email(email)}", MAX_PER_PAIR),
        (f"addr:{_address(address)}", MAX_PER_ADDRESS),
        (f"email:{_email(email)}", MAX_PER_ACCOUNT),
    ]


def _count_attempt(session: Session, key: str, now: datetime) -> tuple[int, datetime]:
    """Add one attempt to ``key``'s counter atomically; its new count and window start."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = LoginThrottle.__table__
    expired = table.c.window_start < now - WINDOW
    statement = (
        dialect.insert(table).values(key=key, window_start=now, attempts=1)
        .on_conflict_do_update(index_elements=[table.c.key], set_={
            "attempts": case((expired, 1), else_=table.c.attempts + 1),
            "window_start": case((expired, now), else_=table.c.window_start),
        })
        .returning(table.c.attempts, table.c.window_start)
    )
    row = session.execute(statement).one()
    return row.attempts, row.window_start


def reserve_attempt(session: Session, email: str, address: str | None,
                    now: datetime | None = None) -> int:
    """Count this attempt before its password is checked: 0 when it may go on, else the
    seconds to wait. The caller commits at once, so every worker sees the count."""
    now = now or now_utc()
    prune_counters(session, now)
    for key, limit in counters(email, address):
        attempts, started = _count_attempt(session, key, now)
        if attempts > limit:
            return int((started + WINDOW - now).total_seconds()) + 1
    return 0


def forgive_attempt(session: Session, email: str, address: str | None) -> None:
    """A successful sign-in: this address's guesses at the account are forgiven, and the
    reserved attempt is given back to the address's and the account's counts."""
    pair, *shared = (key for key, _ in counters(email, address))
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == pair))
    session.execute(
        update(LoginThrottle).where(LoginThrottle.key.in_(shared), LoginThrottle.attempts > 0)
        .values(attempts=LoginThrottle.attempts - 1)
    )


def prune_counters(session: Session, now: datetime | None = None) -> None:
    """Counters whose window has passed hold nothing: drop them (at each attempt)."""
    now = now or now_utc()
    session.execute(delete(LoginThrottle).where(LoginThrottle.window_start < now - WINDOW))
