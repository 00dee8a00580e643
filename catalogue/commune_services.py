"""What a commune handles: the services a person of that commune takes to its centre.

Since 1 July 2025 (two-tier local government) every commune and ward receives the same
commune-tier procedures, so "the services handled at commune X" are the published
services of tier ``commune``. Province-tier services are received at the province-level
points, and since Decree 118/2025 at any point of the province; that is shown beside them
(see :func:`catalogue.service_points.nearest_province_points`), not mixed into the list.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from .models import Service, Status
from .text import sort_key
from .vocabulary import Tier


def commune_services(session: Session) -> list[Service]:
    """Published commune-tier services, in Vietnamese order of name."""
    found = session.scalars(select(Service).options(load_only(Service.code, Service.name))
                            .where(Service.status == Status.PUBLISHED, Service.tier == Tier.COMMUNE))
    return sorted(found, key=lambda s: sort_key(s.name))
