"""Typed SQLAlchemy 2.0 models of the catalogue.

The models live on a plain :class:`DeclarativeBase` so that the domain can be used with a
bare SQLAlchemy session (CLI, benchmarks) as well as through Flask-SQLAlchemy.
"""

from __future__ import annotations

import enum
import hashlib
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .vocabulary import (
    Audience,
    EditionState,
    Level,
    OnlineKind,
    PartialReason,
    Role,
    Status,
    Tier,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def now_utc() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no time zone, PostgreSQL would."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class _EnumColumn(TypeDecorator[Any]):
    """Stores an enum of the vocabulary as its plain value (the schema is unchanged: an
    integer or a short string) and reads it back as the enum member, so the code compares
    and labels one type, and a value outside the vocabulary fails at the door."""

    cache_ok = True

    def __init__(self, enum_type: type[enum.Enum]) -> None:
        super().__init__()
        self.enum_type = enum_type

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else self.enum_type(value).value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else self.enum_type(value)


class IntEnumColumn(_EnumColumn):
    impl = Integer
    cache_ok = True


class StrEnumColumn(_EnumColumn):
    impl = String(16)
    cache_ok = True


class Agency(Base):
    """An agency (cơ quan); departments and districts hang under a parent."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    # A second person (a reviewer of the agency) approves each edition before it goes
    # live; off by default so that a small agency is never blocked (issue 17).
    requires_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    parent: Mapped[Agency | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Agency]] = relationship(back_populates="parent", order_by="Agency.name")

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "parent": self.parent.code if self.parent else None,
        }


class Field(Base):
    """A field or sector (lĩnh vực)."""

    __tablename__ = "field"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name}


class Service(Base):
    """One online public service with its full procedure.

    ``version`` is SQLAlchemy's version counter: an UPDATE made from an outdated row
    fails instead of overwriting, and forms carry it so an editor's stale copy is refused.
    """

    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    level: Mapped[Level] = mapped_column(IntEnumColumn(Level))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("field.id"), index=True)
    tier: Mapped[Tier] = mapped_column(StrEnumColumn(Tier))
    audience: Mapped[Audience] = mapped_column(StrEnumColumn(Audience))
    summary: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    method: Mapped[str] = mapped_column(Text, default="")
    # Items {"name", "copies", "copy_type", "group", "condition"} (second edition; a
    # first-edition item {"name", "copies"} reads as group "submit", no condition).
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # What the dossier says that is not a paper to bring ("0 bản" rows, remarks).
    document_notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # How to apply: {"kind", "processing_days", "processing_time", "fee", "fee_vnd",
    # "description"} per channel (online, post, in person).
    channels: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    processing_days: Mapped[int | None] = mapped_column(Integer)
    fees: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[list[str]] = mapped_column(JSON, default=list)
    requirements: Mapped[str] = mapped_column(Text, default="")
    forms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    online_url: Mapped[str | None] = mapped_column(String(2000))
    # Decree 42/2022 and 224/2026: toàn trình, một phần or not online, and why partial.
    online_kind: Mapped[OnlineKind] = mapped_column(
        StrEnumColumn(OnlineKind), default=OnlineKind.NONE, server_default="none")
    partial_reason: Mapped[PartialReason | None] = mapped_column(StrEnumColumn(PartialReason))
    # The act that published the procedure (quyết định công bố): number and date.
    decision_number: Mapped[str | None] = mapped_column(String(100))
    decision_date: Mapped[date | None] = mapped_column(Date)
    # When the procedure applies: from the start of ``effective_from`` (Vietnam time)
    # until the start of ``abolished_on``; a published service outside it is not public.
    effective_from: Mapped[date | None] = mapped_column(Date)
    abolished_on: Mapped[date | None] = mapped_column(Date)
    # Life-event codes (catalogue/data/life_events.json), in the contract's second edition.
    life_events: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    status: Mapped[Status] = mapped_column(StrEnumColumn(Status), default=Status.DRAFT, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # When an editor last confirmed the entry (unchanged, or by publishing it).
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)
    field: Mapped[Field] = relationship(lazy="joined", innerjoin=True)
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="service", order_by="Revision.number", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    # Covering indexes for the counts of the home and agency pages: a GROUP BY reads the
    # index alone, never the wide service rows (346 ms -> a few ms at 100,000 services).
    __table_args__ = (
        Index("ix_service_status_level", "status", "level"),
        Index("ix_service_status_agency", "status", "agency_id"),
        Index("ix_service_status_field", "status", "field_id"),
        # Home page counts of what applies today: status, level and the window, no rows read.
        Index("ix_service_status_online_kind", "status", "level", "online_kind",
              "effective_from", "abolished_on"),
    )

    @property
    def is_public(self) -> bool:
        """Published and applying today (catalogue.publication)."""
        from .publication import is_public

        return is_public(self)


class User(Base):
    """An account: an admin, or an editor bound to one agency."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(StrEnumColumn(Role))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Bumped when an account is disabled: unlike ``active`` it never goes back, so
    # re-enabling an account revives none of its old sessions. (A password change or
    # reset ends them through the password hash in the session stamp.)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    agency: Mapped[Agency | None] = relationship()

    # The protocol Flask-Login expects of a user, without importing Flask here.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def get_id(self) -> str:
        """The id a session keeps: it changes with the session epoch and the password, so
        disabling the account, a password change or an admin's reset ends every session
        opened before, even once the account is enabled again."""
        return f"{self.id}:{self.session_stamp}"

    @property
    def session_stamp(self) -> str:
        # Epoch 0 stamps as before the epoch existed: upgrading signs nobody out.
        epoch = f":{self.session_epoch}" if self.session_epoch else ""
        return hashlib.sha256(f"{self.password_hash}{epoch}".encode()).hexdigest()[:16]

    def end_sessions(self) -> None:
        self.session_epoch = (self.session_epoch or 0) + 1


class Revision(Base):
    """One change of a service: who, when, what changed, and the state after it.

    ``effective_at`` is when the change took effect in the catalogue; it differs from
    ``recorded_at`` only for history brought in by import (a service published in 2010
    and imported today). The state columns (status, level, agency, field, tier,
    audience) make "what did the catalogue hold on date D" one query over revisions.
    """

    __tablename__ = "revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(254))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[Status] = mapped_column(StrEnumColumn(Status))
    level: Mapped[Level] = mapped_column(IntEnumColumn(Level))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    field_id: Mapped[int] = mapped_column(ForeignKey("field.id"))
    tier: Mapped[Tier] = mapped_column(StrEnumColumn(Tier))
    audience: Mapped[Audience] = mapped_column(StrEnumColumn(Audience))
    online_kind: Mapped[OnlineKind] = mapped_column(
        StrEnumColumn(OnlineKind), default=OnlineKind.NONE, server_default="none")
    # The service's own window (effective_from, abolished_on) as instants (00:00 Vietnam
    # time): a published revision counts only inside it, so a service scheduled ahead
    # counts from its day on without a revision written that day.
    applies_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applies_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a later-written revision of the same service took effect (the earliest such),
    # i.e. the end of the interval during which this one is the service's state; NULL
    # while it still is. Kept by catalogue.history.close_superseded so that counts
    # "as of date D" are one indexed scan instead of a window over the whole history.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which of the mandatory parts (catalogue.completeness.PARTS, one bit each) the state
    # after this revision lacks: 0 when complete. Kept with the revision so that indicator
    # 1.3 "as of a date" reads one integer per service instead of every JSON snapshot.
    missing_parts: Mapped[int | None] = mapped_column(Integer)
    # The publication decision's date and why a partial service is partial, kept with the
    # state for the same reason (indicators 1.1, 1.2 and 3.1 of catalogue.readiness).
    decision_date: Mapped[date | None] = mapped_column(Date)
    partial_reason: Mapped[PartialReason | None] = mapped_column(StrEnumColumn(PartialReason))

    service: Mapped[Service] = relationship(back_populates="revisions")
    user: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("service_id", "number"),
        Index("ix_revision_service_effective", "service_id", "effective_at"),
        # Covers the as-of counts of catalogue.statistics: read in this order, the published
        # revisions come already grouped, so counting needs no sort of the whole history.
        Index("ix_revision_state", "status", "level", "online_kind", "agency_id", "field_id",
              "tier", "audience", "effective_at", "superseded_at", "applies_from",
              "applies_until"),
    )


class MonthlyChange(Base):
    """Net change of published services per month (Vietnam time), level and online kind.

    An index of the revision history, not a snapshot: written in the same transaction as
    each revision (catalogue.history.close_superseded) and rebuildable from the
    revisions at any time, so the month-by-month growth reads a few hundred rows instead
    of the whole history.
    """

    __tablename__ = "statistics_month"

    # Append-only: each writer inserts its own rows and readers sum them, so concurrent
    # transactions never wait on one another's (month, level) row, as an upsert would.
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    level: Mapped[Level] = mapped_column(IntEnumColumn(Level))
    online_kind: Mapped[OnlineKind] = mapped_column(
        StrEnumColumn(OnlineKind), default=OnlineKind.NONE, server_default="none")
    delta: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("ix_statistics_month_month_level", "month", "level", "online_kind"),
    )


class ChangeLog(Base):
    """One row per committed change of a service, written in the same transaction.

    Each process replays the rows after the last one it applied to bring its search
    index up to date, so the database stays the single source of truth.
    """

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(Integer, index=True)
    code: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class Commune(Base):
    """One of today's commune-level units (xã, phường) of the province, since 1 July 2025.

    Loaded from ``catalogue/data`` (administrative data provided by VietMap, see
    ``catalogue/data/LICENSE-vietmap``) by ``load-places``; the slug is the URL.
    """

    __tablename__ = "commune"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))

    old_places: Mapped[list[OldPlace]] = relationship(back_populates="commune")

    @property
    def name_with_kind(self) -> str:
        return f"{self.kind.capitalize()} {self.name}"


class OldPlace(Base):
    """One (old province, old district, old commune) of before 1 July 2025 and a commune of
    today that took it over (a split old commune has one row per new one): people still
    say the old names, and this is what lets them find where to go now."""

    __tablename__ = "old_place"

    id: Mapped[int] = mapped_column(primary_key=True)
    old_province: Mapped[str] = mapped_column(String(100))
    old_district: Mapped[str] = mapped_column(String(100))
    old_commune: Mapped[str] = mapped_column(String(100))
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id", ondelete="CASCADE"), index=True)

    commune: Mapped[Commune] = relationship(back_populates="old_places")


class ServicePoint(Base):
    """A place where applications are received in person: the provincial centre, a
    commune's one-stop office, an agency's office. ``opening_hours`` is a list of
    ``{"days": ["mon", ...], "opens": "07:00", "closes": "11:00"}``; public holidays
    close every point (see :mod:`catalogue.service_points`)."""

    __tablename__ = "service_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id", ondelete="SET NULL"),
                                                   index=True)
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    opening_hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # Demo data (placeholder phone numbers and addresses): the pages say so.
    demo: Mapped[bool] = mapped_column(Boolean, default=False)

    commune: Mapped[Commune | None] = relationship()


class Edition(Base):
    """A change to a published service, kept apart until it is published.

    The public page and the API read the service row, so they keep the published text
    while an edition is a draft or waits for review. ``is_open`` is True for the one
    open edition of a service and NULL once it is closed: the unique constraint then
    allows one open edition per service and any number of closed ones (history).
    ``version`` refuses a save from an outdated copy of the edition itself.
    """

    __tablename__ = "edition"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    state: Mapped[EditionState] = mapped_column(StrEnumColumn(EditionState), default=EditionState.DRAFT)
    is_open: Mapped[bool | None] = mapped_column(Boolean, default=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    base_version: Mapped[int] = mapped_column(Integer)
    # Ids of everyone who saved this edition: none of them may approve it.
    authors: Mapped[list[int]] = mapped_column(JSON, default=list)
    author: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(254))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    service: Mapped[Service] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("service_id", "is_open"),)


class CalendarDay(Base):
    """A day the government moved: a day off (``off``) or a make-up working day (``work``,
    usually a Saturday), as announced each year, with the act that announced it.

    Entered by an admin for what the ``holidays`` library does not (yet) know; it wins over
    the library and the weekend (catalogue.workdays).
    """

    __tablename__ = "calendar_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    decision: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
