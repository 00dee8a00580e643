"""The catalogue as citizens browse it: the agency tree, each agency's services, and the
level 3 and 4 services to put forward when the portal has no usage figures yet."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Agency, Field, Service
from .publication import public_on
from .text import sort_key
from .vocabulary import SUBMISSION_MIN_LEVEL


@dataclass
class AgencyNode:
    agency: Agency
    own: int = 0
    children: list[AgencyNode] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Published services of the agency and of every agency under it."""
        return self.own + sum(child.total for child in self.children)


def published_count_by_agency(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(Service.agency_id, func.count())
        .where(public_on())
        .group_by(Service.agency_id)
    )
    return {agency_id: n for agency_id, n in rows}


def published_count_by_field(session: Session) -> list[tuple[str, str, int]]:
    """(code, name, count) of each field with published services, largest first.

    A GROUP BY on the database that reads only the (status, field_id) index: the home
    page must not ask the search engine to match the whole catalogue just to count it,
    nor the database to read every wide service row.
    """
    counts = dict(session.execute(
        select(Service.field_id, func.count())
        .where(public_on())
        .group_by(Service.field_id)
    ).all())
    names = session.execute(select(Field.id, Field.code, Field.name).where(Field.id.in_(list(counts))))
    return sorted(((code, name, counts[i]) for i, code, name in names),
                  key=lambda r: (-r[2], sort_key(r[1])))


def build_agency_tree(session: Session) -> list[AgencyNode]:
    """Every agency once, under its parent, with published counts; roots by name."""
    counts = published_count_by_agency(session)
    agencies = sorted(session.scalars(select(Agency)), key=lambda a: sort_key(a.name))
    nodes = {a.id: AgencyNode(a, counts.get(a.id, 0)) for a in agencies}
    roots = []
    for agency in agencies:
        node = nodes[agency.id]
        if agency.parent_id is not None and agency.parent_id in nodes:
            nodes[agency.parent_id].children.append(node)
        else:
            roots.append(node)
    return roots


def find_agency_node(roots: list[AgencyNode], code: str) -> AgencyNode | None:
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node.agency.code == code:
            return node
        stack.extend(node.children)
    return None


def ancestors_of(agency: Agency) -> list[Agency]:
    """Parents from the root down, for the breadcrumb; stops on a (corrupt) cycle."""
    chain: list[Agency] = []
    seen = {agency.id}
    parent = agency.parent
    while parent is not None and parent.id not in seen:
        chain.append(parent)
        seen.add(parent.id)
        parent = parent.parent
    return list(reversed(chain))


def published_services_of(session: Session, agency: Agency) -> list[Service]:
    """The agency's published services in Vietnamese alphabetical order."""
    services = session.scalars(
        select(Service).where(Service.agency_id == agency.id, public_on())
    ).unique()
    return sorted(services, key=lambda s: (sort_key(s.name), s.code))


def online_services(session: Session, limit: int = 8) -> list[Service]:
    """Published services a citizen can submit online (levels 4 then 3), by name."""
    services = session.scalars(
        select(Service)
        .where(public_on(), Service.level >= SUBMISSION_MIN_LEVEL)
        .order_by(Service.level.desc(), Service.name, Service.code)
        .limit(limit)
    ).unique()
    return sorted(services, key=lambda s: (-s.level, sort_key(s.name), s.code))


def published_services_for_sitemap(session: Session) -> list[tuple[str, object]]:
    rows = session.execute(
        select(Service.code, Service.updated_at)
        .where(public_on())
        .order_by(Service.code)
    )
    return [(code, updated) for code, updated in rows]
