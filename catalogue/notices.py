"""Planned downtime notices (Decree 224/2026: a planned suspension announced at least 7
working days ahead). An admin writes the notice with the dates; every page shows it from
``shows_from`` until ``ends_at``, and the API's answers carry it in a header."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, Text, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base, UTCDateTime, now_utc
from .text import clean_text

MAX_NOTICE_CHARS = 500


class SiteNotice(Base):
    __tablename__ = "site_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    message: Mapped[str] = mapped_column(Text)
    shows_from: Mapped[datetime] = mapped_column(UTCDateTime)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    author: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class NoticeError(ValueError):
    """Why a notice cannot be saved, in Vietnamese."""


def save_notice(session: Session, message: str, shows_from: datetime, starts_at: datetime,
                ends_at: datetime, author: str) -> SiteNotice:
    text = clean_text(message or "").strip()
    if not text:
        raise NoticeError("Vui lòng nhập nội dung thông báo.")
    if len(text) > MAX_NOTICE_CHARS:
        raise NoticeError(f"Nội dung thông báo dài quá {MAX_NOTICE_CHARS} ký tự.")
    if not shows_from <= starts_at < ends_at:
        raise NoticeError("Ngày hiển thị phải trước ngày tạm dừng, và ngày tạm dừng "
                          "trước ngày hoạt động lại.")
    notice = SiteNotice(message=text, shows_from=shows_from, starts_at=starts_at, ends_at=ends_at,
                        author=author, created_at=now_utc())
    session.add(notice)
    session.flush()
    return notice


@dataclass(frozen=True, slots=True)
class ShownNotice:
    """A notice as pages and API headers show it: plain values, safe to keep between
    requests (an ORM object would be tied to the session that read it)."""

    message: str
    shows_from: datetime
    starts_at: datetime
    ends_at: datetime


# Every page asks for the notice in force; notices are set days ahead (7 working days
# under Decree 224/2026), so the ones not over yet are read once per ``KEEP_SECONDS`` per
# database (and at once in the process that saves one: ``forget_notices`` once the save
# is committed) and the one in force is picked from them at each request, by the clock.
KEEP_SECONDS = 30.0
_UPCOMING = (select(SiteNotice.message, SiteNotice.shows_from, SiteNotice.starts_at,
                    SiteNotice.ends_at)
             .where(SiteNotice.ends_at > bindparam("now", type_=UTCDateTime))
             .order_by(SiteNotice.starts_at, SiteNotice.id))
_kept: dict[str, tuple[float, datetime, list[ShownNotice]]] = {}


def current_notice(session: Session, at: datetime | None = None) -> ShownNotice | None:
    """The notice to show now: shown from its date until the downtime ends."""
    now = at or now_utc()
    key = str(session.get_bind().url)
    kept = _kept.get(key)
    if kept is None or time.monotonic() - kept[0] >= KEEP_SECONDS or now < kept[1]:
        upcoming = [ShownNotice(*row) for row in session.execute(_UPCOMING, {"now": now})]
        kept = _kept[key] = (time.monotonic(), now, upcoming)
    return next((n for n in kept[2] if n.shows_from <= now < n.ends_at), None)


def forget_notices() -> None:
    """Read the notices afresh at the next request (after saving one; between tests)."""
    _kept.clear()


def notices(session: Session) -> list[SiteNotice]:
    return list(session.scalars(select(SiteNotice).order_by(SiteNotice.starts_at.desc())))
