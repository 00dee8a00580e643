"""How often citizens open each service page: the portal's own measure of "most used".

The catalogue has no usage figures of its own (applications are counted by the national
system), so "most used" here means "most read on this portal": one counter per service,
bumped by each view of its public page. Crawlers count too; the figure ranks services for
the home page and is not published as a statistic.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base, Service, Status, UTCDateTime, now_utc


class ServiceView(Base):
    """Views of one service's public page, kept as a single counter row."""

    __tablename__ = "service_view"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    views: Mapped[int] = mapped_column(Integer, default=0, index=True)
    last_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


def record_service_view(session: Session, service_id: int) -> None:
    """Add one view with a single upsert, so concurrent workers never lose a count or clash."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stamp = now_utc()
    stmt = insert(ServiceView).values(service_id=service_id, views=1, last_viewed_at=stamp)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ServiceView.service_id],
        set_={"views": ServiceView.views + 1, "last_viewed_at": stamp},
    )
    session.execute(stmt)


def most_viewed_services(session: Session, limit: int = 8) -> list[tuple[Service, int]]:
    """Published services most often opened on the portal, with their view counts."""
    rows = session.execute(
        select(Service, ServiceView.views)
        .join(ServiceView, ServiceView.service_id == Service.id)
        .where(Service.status == Status.PUBLISHED, ServiceView.views > 0)
        .order_by(ServiceView.views.desc(), Service.name)
        .limit(limit)
    ).unique()
    return [(service, views) for service, views in rows]
