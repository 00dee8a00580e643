"""Which form and online links of the catalogue still work (the ``check-links`` command).

The command fetches each URL (portal/link_checker.py does the HTTP); this module keeps
the results, one row per service and URL, so that editors see "liên kết hỏng" beside an
entry and a report per agency.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .models import Agency, Base, Service, UTCDateTime, now_utc


class LinkCheck(Base):
    __tablename__ = "link_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[str] = mapped_column(String(16))
    ok: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[int | None] = mapped_column(Integer)
    problem: Mapped[str] = mapped_column(String(300), default="")
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    service: Mapped[Service] = relationship()


@dataclass(frozen=True)
class LinkTarget:
    service_id: int
    code: str
    agency: str
    url: str
    kind: str  # "form" or "online"


def links_to_check(session: Session, agency_code: str | None = None) -> Iterator[LinkTarget]:
    """Every http(s) form URL and online URL, of every service (drafts too: editors fix them)."""
    stmt = select(Service).join(Agency, Service.agency_id == Agency.id).order_by(Service.code)
    if agency_code:
        stmt = stmt.where(Agency.code == agency_code)
    for service in session.scalars(stmt):
        seen = set()
        urls = [(f.get("url") or "", "form") for f in service.forms or []]
        urls.append((service.online_url or "", "online"))
        for url, kind in urls:
            if url.startswith(("http://", "https://")) and url not in seen:
                seen.add(url)
                yield LinkTarget(service.id, service.code, service.agency.code, url, kind)


@dataclass(frozen=True)
class LinkResult:
    target: LinkTarget
    ok: bool
    status: int | None
    problem: str


def record_link_results(session: Session, service_ids: Iterable[int], results: Iterable[LinkResult]) -> None:
    """Replace the stored results of the services checked; the caller commits."""
    ids = sorted(set(service_ids))
    for start in range(0, len(ids), 500):
        session.execute(delete(LinkCheck).where(LinkCheck.service_id.in_(ids[start:start + 500])))
    stamp = now_utc()
    session.add_all(LinkCheck(service_id=r.target.service_id, url=r.target.url[:2000], kind=r.target.kind,
                              ok=r.ok, status=r.status, problem=r.problem[:300], checked_at=stamp)
                    for r in results)
    session.flush()


def broken_links(session: Session, agency_id: int | None = None,
                 service_ids: Iterable[int] | None = None) -> list[LinkCheck]:
    stmt = select(LinkCheck).join(Service, LinkCheck.service_id == Service.id).where(LinkCheck.ok.is_(False))
    if agency_id is not None:
        stmt = stmt.where(Service.agency_id == agency_id)
    if service_ids is not None:
        stmt = stmt.where(LinkCheck.service_id.in_(list(service_ids)))
    return list(session.scalars(stmt.order_by(Service.code, LinkCheck.url)))
