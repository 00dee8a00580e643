"""Saving a service as an editor does it: one operation for new entries, edits, the
revert to an older revision and publishing an edition, so the same checks run in the
same order everywhere: the record rules (done before, by :mod:`catalogue.validation`),
the agency the user may assign, the code no other service uses, the version the user
started from. Each refusal is a typed error carrying its Vietnamese message; the views
only word the page around it. Nothing here commits: the request does, once.

A published service is not changed in place: the change waits in an *edition* (see
:class:`catalogue.models.Edition`) while the public page and the API keep the published
text. ``publish=True`` ("Lưu và xuất bản") puts it live at once where the agency needs no
review, and otherwise sends it for review; a reviewer of the agency who wrote no part of
it publishes it (:func:`publish_edition`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import can_approve_edition, can_assign_agency
from .models import ChangeLog, Edition, Revision, Service, now_utc
from .operations import (
    CONTENT_KEYS,
    Actor,
    ConflictError,
    Lookups,
    check_version,
    content_of,
    create_service,
    diff_content,
    find_service,
    update_service,
)
from .vocabulary import EditionState, Status


class EditRefused(Exception):
    """A save refused before anything was written; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class AgencyNotAllowed(EditRefused):
    """The user may not put a service under that agency (an editor: only their own)."""


class CodeTaken(EditRefused):
    """Another service already has that procedure code."""


class ReferenceGone(EditRefused):
    """The agency or field a revision names is no longer in the catalogue."""


class ApprovalNotAllowed(EditRefused):
    """Only a reviewer of the agency (or an admin) publishes an edition under review."""


class OwnEdition(EditRefused):
    """Nobody approves an edition they wrote part of."""


class NoEdition(EditRefused):
    """The edition asked for is not (or no longer) open, or not sent for review."""


@dataclass
class Saved:
    """What a save did: the service, the revision written to the live entry (None when
    the change waits in an edition or nothing changed), the open edition if any, and
    whether the change went live."""

    service: Service
    revision: Revision | None = None
    edition: Edition | None = None
    live: bool = False


def check_assignable(user: Any, clean: Mapping[str, Any], lookups: Lookups) -> None:
    if not can_assign_agency(user, lookups.agencies.get(clean["agency"])):
        raise AgencyNotAllowed("Bạn không được đặt thủ tục vào cơ quan này.", "agency")


def check_code_free(session: Session, code: str, service: Service | None) -> None:
    other = find_service(session, code)
    if other is not None and (service is None or other.id != service.id):
        raise CodeTaken(f"Mã thủ tục “{code}” đã được dùng cho thủ tục khác.", "code")


def open_edition(session: Session, service: Service) -> Edition | None:
    return session.scalar(select(Edition).where(Edition.service_id == service.id,
                                                Edition.is_open.is_(True)))


def needs_review(service: Service) -> bool:
    return bool(service.agency.requires_review)


def check_edition_version(session: Session, service: Service, edition: Edition | None,
                          expected_edition: int | None) -> None:
    """The edition the editor's copy was made from must still be the open one, unchanged."""
    current = edition.version if edition is not None else None
    if current != expected_edition:
        raise ConflictError(service, [])


def mark_reviewed(service: Service, at: datetime | None = None) -> None:
    """An editor confirmed the entry (unchanged, or by publishing it)."""
    service.reviewed_at = at or now_utc()


def _close(edition: Edition, state: EditionState, actor: Actor) -> None:
    edition.state = state
    edition.is_open = None
    edition.closed_by = actor.label
    edition.closed_at = now_utc()


def _keep_in_edition(session: Session, user: Any, service: Service, clean: Mapping[str, Any],
                     edition: Edition | None, *, submit: bool) -> Edition | None:
    if edition is None:
        if not submit and not diff_content(content_of(service), clean):
            return None  # nothing changed, nothing to keep
        edition = Edition(service_id=service.id, content={}, authors=[], author=user.email,
                          created_at=now_utc(), is_open=True)
        session.add(edition)
    edition.content = {k: clean[k] for k in CONTENT_KEYS}
    edition.base_version = service.version
    if user.id not in (edition.authors or []):
        edition.authors = [*(edition.authors or []), user.id]
    edition.author = user.email
    edition.updated_at = now_utc()
    # Saving again takes an edition back from review until it is sent again.
    edition.state = EditionState.REVIEW if submit else EditionState.DRAFT
    edition.submitted_at = now_utc() if submit else None
    session.flush()
    return edition


def save_service(
    session: Session, user: Any, clean: Mapping[str, Any], *, service: Service | None = None,
    expected_version: int | None = None, lookups: Lookups | None = None, action: str = "update",
    expected_edition: int | None = None, publish: bool = False,
) -> Saved:
    """Create (``service`` None) or change a service from a clean record, as ``user``.

    Drafts and archived entries change in place. A published one keeps the change in
    its open edition; with ``publish`` the change goes live at once (no review needed)
    or is sent for review. Raises :class:`AgencyNotAllowed`, :class:`CodeTaken`, or the
    operations' ``ConflictError`` for an outdated copy (of the service or its edition).
    """
    lookups = lookups or Lookups.load(session)
    check_assignable(user, clean, lookups)
    check_code_free(session, clean["code"], service)
    actor = Actor.of(user)
    if service is None:
        return Saved(create_service(session, clean, actor, lookups))
    check_version(session, service, expected_version)
    edition = open_edition(session, service)
    check_edition_version(session, service, edition, expected_edition)
    if service.status != Status.PUBLISHED or (publish and not needs_review(service)):
        live = service.status == Status.PUBLISHED
        if live:  # set before the revision, so that the revision records the last version
            mark_reviewed(service)
        revision = update_service(session, service, clean, actor, expected_version=expected_version,
                                  lookups=lookups, action=action)
        if edition is not None:
            _close(edition, EditionState.PUBLISHED, actor)
        return Saved(service, revision, None, live=live)
    edition = _keep_in_edition(session, user, service, clean, edition, submit=publish)
    return Saved(service, None, edition)


def publish_edition(
    session: Session, user: Any, service: Service, *, expected_version: int | None,
    expected_edition: int | None, lookups: Lookups | None = None,
) -> Revision | None:
    """Put the open edition live: by anyone who may edit where the agency needs no review;
    else by a reviewer of the agency (or an admin) who saved no part of it."""
    lookups = lookups or Lookups.load(session)
    check_version(session, service, expected_version)
    edition = open_edition(session, service)
    check_edition_version(session, service, edition, expected_edition)
    assert edition is not None  # checked above: the copy named an open edition
    review = needs_review(service)
    if review:
        if not can_approve_edition(user, service):
            raise ApprovalNotAllowed("Chỉ người duyệt của cơ quan mới xuất bản được bản sửa đổi này.")
        if user.id in (edition.authors or []):
            raise OwnEdition("Bạn không thể tự duyệt bản sửa đổi do chính mình soạn. "
                             "Một người duyệt khác của cơ quan cần duyệt.")
        if edition.state != EditionState.REVIEW:
            raise NoEdition("Bản sửa đổi chưa được gửi duyệt.")
    content = dict(edition.content)
    if content["agency"] not in lookups.agencies or content["field"] not in lookups.fields:
        raise ReferenceGone("Không thể xuất bản: cơ quan hoặc lĩnh vực của bản sửa đổi không còn "
                            "trong danh mục.")
    check_assignable(user, content, lookups)
    check_code_free(session, content["code"], service)
    if edition.base_version != service.version:
        raise ConflictError(service, list(session.scalars(
            select(Revision).where(Revision.service_id == service.id,
                                   Revision.version > edition.base_version).order_by(Revision.number))))
    actor = Actor.of(user)
    mark_reviewed(service)
    revision = update_service(session, service, content, actor, expected_version=service.version,
                              lookups=lookups, action="approve" if review else "update")
    _close(edition, EditionState.PUBLISHED, actor)
    session.flush()
    return revision


def discard_edition(session: Session, user: Any, service: Service, *,
                    expected_version: int | None, expected_edition: int | None) -> None:
    check_version(session, service, expected_version)
    edition = open_edition(session, service)
    check_edition_version(session, service, edition, expected_edition)
    assert edition is not None
    _close(edition, EditionState.DISCARDED, Actor.of(user))
    session.flush()


def confirm_reviewed(session: Session, service: Service, *, expected_version: int | None) -> None:
    """"Xác nhận đã rà soát": the entry is right as it stands. No revision: nothing changed."""
    check_version(session, service, expected_version)
    mark_reviewed(service)
    # The public page shows the date: tell every process's page cache.
    session.add(ChangeLog(service_id=service.id, code=service.code))
    session.flush()


def editions_of(session: Session, service: Service) -> list[Edition]:
    return list(session.scalars(select(Edition).where(Edition.service_id == service.id)
                                .order_by(Edition.created_at.desc(), Edition.id.desc())))


def revert_service(
    session: Session, user: Any, service: Service, revision: Revision, *,
    expected_version: int | None, lookups: Lookups | None = None,
    expected_edition: int | None = None,
) -> Revision | None:
    """Bring back an older revision's content as a new revision (history is kept), under
    the same checks as the edit form: its agency must be one the user may assign, its
    code free, its agency and field still in the catalogue. On a published service the
    old content becomes the open edition, like any other change."""
    lookups = lookups or Lookups.load(session)
    content = {k: revision.snapshot.get(k) for k in CONTENT_KEYS}
    if content["agency"] not in lookups.agencies or content["field"] not in lookups.fields:
        raise ReferenceGone("Không thể khôi phục: cơ quan hoặc lĩnh vực của bản đó không còn "
                            "trong danh mục.")
    saved = save_service(session, user, content, service=service, expected_version=expected_version,
                         lookups=lookups, action="revert", expected_edition=expected_edition)
    return saved.revision
