"""What citizens tell the agencies: "Thông tin này có hữu ích không?" on each service page.

Feedback is private: it is stored for the owning agency's editors and never shown on a
public page; only the usefulness rate per agency appears in the statistics. Text is
capped, NFC-normalised and stored as plain text (templates escape it). The sender's
address is kept only as a keyed hash, used to limit floods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, case, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .models import Agency, Base, Service, UTCDateTime, now_utc
from .text import clean_text

MAX_MISSING_CHARS = 1000
# Flood limits: per address over all services, and per address for one service.
PER_ADDRESS_PER_DAY = 20
PER_ADDRESS_PER_SERVICE_PER_DAY = 3


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    useful: Mapped[bool] = mapped_column(Boolean)
    missing: Mapped[str] = mapped_column(Text, default="")
    sender: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    service: Mapped[Service] = relationship()

    __table_args__ = (
        Index("ix_feedback_service_created", "service_id", "created_at"),
        Index("ix_feedback_sender_created", "sender", "created_at"),
    )


class FeedbackRefused(Exception):
    """Too many answers from one address: the message is shown as it is (429)."""


def clean_missing(text: str | None) -> str:
    return clean_text(text or "")[:MAX_MISSING_CHARS]


def check_feedback_allowed(session: Session, service: Service, sender: str,
                           at: datetime | None = None) -> None:
    since = (at or now_utc()) - timedelta(days=1)
    recent = select(func.count()).select_from(Feedback).where(
        Feedback.sender == sender, Feedback.created_at >= since)
    if session.scalar(recent) >= PER_ADDRESS_PER_DAY:
        raise FeedbackRefused("Bạn đã gửi quá nhiều ý kiến hôm nay. Vui lòng thử lại vào ngày mai.")
    if session.scalar(recent.where(Feedback.service_id == service.id)) >= PER_ADDRESS_PER_SERVICE_PER_DAY:
        raise FeedbackRefused("Bạn đã gửi ý kiến về thủ tục này hôm nay. Cảm ơn bạn, "
                              "vui lòng thử lại vào ngày mai.")


def record_feedback(session: Session, service: Service, useful: bool, missing: str | None,
                    sender: str) -> Feedback:
    """Store one answer after the flood check; the caller commits."""
    check_feedback_allowed(session, service, sender)
    item = Feedback(service_id=service.id, useful=useful,
                    missing="" if useful else clean_missing(missing), sender=sender,
                    created_at=now_utc())
    session.add(item)
    session.flush()
    return item


@dataclass
class FeedbackSummary:
    yes: int
    no: int
    latest: list[Feedback]

    @property
    def total(self) -> int:
        return self.yes + self.no


def feedback_of_agency(session: Session, agency_id: int | None, latest: int = 50) -> FeedbackSummary:
    """Counts and the latest comments for one agency (None: every agency, for admins)."""
    base = select(Feedback).join(Service, Feedback.service_id == Service.id)
    if agency_id is not None:
        base = base.where(Service.agency_id == agency_id)
    sub = base.subquery()
    counts = session.execute(
        select(func.count(case((sub.c.useful.is_(True), 1))),
               func.count(case((sub.c.useful.is_(False), 1))))).one()
    rows = list(session.scalars(base.order_by(Feedback.created_at.desc(), Feedback.id.desc())
                                .limit(latest)))
    return FeedbackSummary(yes=counts[0] or 0, no=counts[1] or 0, latest=rows)


def usefulness_by_agency(session: Session) -> list[tuple[Agency, int, int]]:
    """(agency, answers, of which "yes") for each agency with at least one answer."""
    rows = session.execute(
        select(Agency, func.count(Feedback.id), func.count(case((Feedback.useful.is_(True), 1))))
        .join(Service, Service.agency_id == Agency.id)
        .join(Feedback, Feedback.service_id == Service.id)
        .group_by(Agency.id)
    ).all()
    return [(agency, int(total), int(yes)) for agency, total, yes in rows]


