"""Saving a service as an editor does it: one operation for new entries, edits and the
revert to an older revision, so the same checks run in the same order everywhere:
the record rules (done before, by :mod:`catalogue.validation`), the agency the user may
assign, the code no other service uses, the version the user started from. Each refusal
is a typed error carrying its Vietnamese message; the views only word the page around it.
Nothing here commits: the request does, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from .access import can_assign_agency
from .models import Revision, Service
from .operations import (
    CONTENT_KEYS,
    Actor,
    Lookups,
    create_service,
    find_service,
    update_service,
)


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


def check_assignable(user: Any, clean: Mapping[str, Any], lookups: Lookups) -> None:
    if not can_assign_agency(user, lookups.agencies.get(clean["agency"])):
        raise AgencyNotAllowed("Bạn không được đặt thủ tục vào cơ quan này.", "agency")


def check_code_free(session: Session, code: str, service: Service | None) -> None:
    other = find_service(session, code)
    if other is not None and (service is None or other.id != service.id):
        raise CodeTaken(f"Mã thủ tục “{code}” đã được dùng cho thủ tục khác.", "code")


def save_service(
    session: Session, user: Any, clean: Mapping[str, Any], *, service: Service | None = None,
    expected_version: int | None = None, lookups: Lookups | None = None, action: str = "update",
) -> tuple[Service, Revision | None]:
    """Create (``service`` None) or update a service from a clean record, as ``user``.

    Raises :class:`AgencyNotAllowed`, :class:`CodeTaken`, or the operations'
    ``ConflictError`` for an outdated copy. Returns the service and the revision written
    (None for a new service, and when an edit changed nothing).
    """
    lookups = lookups or Lookups.load(session)
    check_assignable(user, clean, lookups)
    check_code_free(session, clean["code"], service)
    actor = Actor.of(user)
    if service is None:
        return create_service(session, clean, actor, lookups), None
    revision = update_service(session, service, clean, actor, expected_version=expected_version,
                              lookups=lookups, action=action)
    return service, revision


def revert_service(
    session: Session, user: Any, service: Service, revision: Revision, *,
    expected_version: int | None, lookups: Lookups | None = None,
) -> Revision | None:
    """Bring back an older revision's content as a new revision (history is kept), under
    the same checks as the edit form: its agency must be one the user may assign, its
    code free, its agency and field still in the catalogue."""
    lookups = lookups or Lookups.load(session)
    content = {k: revision.snapshot.get(k) for k in CONTENT_KEYS}
    if content["agency"] not in lookups.agencies or content["field"] not in lookups.fields:
        raise ReferenceGone("Không thể khôi phục: cơ quan hoặc lĩnh vực của bản đó không còn "
                            "trong danh mục.")
    _, changed = save_service(session, user, content, service=service,
                              expected_version=expected_version, lookups=lookups, action="revert")
    return changed
