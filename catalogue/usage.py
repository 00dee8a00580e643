"""How often citizens open each service page: the portal's own measure of "most used".

The catalogue has no usage figures of its own (applications are counted by the national
system), so "most used" here means "most read on this portal": one counter per service,
bumped by each view of its public page (counted in memory by each worker and written
in batches: portal/view_tally.py). Crawlers count too; the figure ranks services for
the home page and is not published as a statistic.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base, Service, UTCDateTime, now_utc
from .publication import public_on


class ServiceView(Base):
    """Views of one service's public page, kept as a single counter row."""

    __tablename__ = "service_view"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    views: Mapped[int] = mapped_column(Integer, default=0, index=True)
    last_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


def record_service_views(session: Session, counts: Mapping[str, int], at: datetime | None = None) -> None:
    """Add views by service code, one upsert per service, so workers flushing their tallies
    at the same moment never lose a count or clash. A code that no longer names a
    service (deleted since the view) adds nothing."""
    if not counts:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stamp = at or now_utc()
    for code, views in sorted(counts.items()):
        rows = select(Service.id, literal(views), literal(stamp, UTCDateTime)).where(Service.code == code)
        stmt = insert(ServiceView).from_select(["service_id", "views", "last_viewed_at"], rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=[ServiceView.service_id],
            set_={"views": ServiceView.views + stmt.excluded.views, "last_viewed_at": stamp},
        )
        session.execute(stmt)


def most_viewed_services(session: Session, limit: int = 8) -> list[tuple[Service, int]]:
    """Published services most often opened on the portal, with their view counts."""
    rows = session.execute(
        select(Service, ServiceView.views)
        .join(ServiceView, ServiceView.service_id == Service.id)
        .where(public_on(), ServiceView.views > 0)
        .order_by(ServiceView.views.desc(), Service.name)
        .limit(limit)
    ).unique()
    return [(service, views) for service, views in rows]
