"""Who may do what: every permission of the editing pages, in one place.

Views ask these functions as a step of their own, before any work, and answer 403 when
one says no. An admin may do everything; an editor works on one agency's services only,
whatever URL or form field they send.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import true
from sqlalchemy.sql.elements import ColumnElement

from .models import Agency, Role, Service, User


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", False))


def is_admin(user: Any) -> bool:
    return _signed_in(user) and getattr(user, "role", None) == Role.ADMIN


def is_editor(user: Any) -> bool:
    """An editor without an agency edits nothing: the account is half made."""
    return (
        _signed_in(user)
        and getattr(user, "role", None) in (Role.EDITOR, Role.REVIEWER)
        and getattr(user, "agency_id", None) is not None
    )


def is_reviewer(user: Any) -> bool:
    """A reviewer is an editor of one agency who may also approve others' editions."""
    return is_editor(user) and getattr(user, "role", None) == Role.REVIEWER


def can_manage(user: Any) -> bool:
    """May open the editing pages at all."""
    return is_admin(user) or is_editor(user)


def can_view_service(user: Any, service: Service) -> bool:
    """Seeing a service in /manage/ includes its drafts and history."""
    return is_admin(user) or (is_editor(user) and service.agency_id == user.agency_id)


def can_edit_service(user: Any, service: Service) -> bool:
    return can_view_service(user, service)


def can_create_service(user: Any) -> bool:
    return can_manage(user)


def can_approve_edition(user: Any, service: Service) -> bool:
    """Publish an edition that waits for review: a reviewer of the service's agency, or an
    admin. Whether this user wrote the edition is the editing step's own check."""
    return is_admin(user) or (is_reviewer(user) and service.agency_id == user.agency_id)


def can_manage_review_settings(user: Any) -> bool:
    return is_admin(user)


def can_see_agency_upkeep(user: Any, agency_id: int | None) -> bool:
    """Review reminders, link reports and feedback: the agency's editors, and admins."""
    return is_admin(user) or (is_editor(user) and agency_id is not None and agency_id == user.agency_id)


def can_assign_agency(user: Any, agency: Agency | None) -> bool:
    """An editor may only give a service to their own agency."""
    if agency is None:
        return False
    return is_admin(user) or (is_editor(user) and agency.id == user.agency_id)


def can_manage_users(user: Any) -> bool:
    return is_admin(user)


def can_change_account(user: Any, account: User) -> bool:
    """Admins manage others' accounts; nobody disables themselves out of the site."""
    return is_admin(user) and account.id != user.id


def services_visible_to(user: Any) -> ColumnElement[bool]:
    """The SQL condition matching the services the user sees in /manage/."""
    if is_admin(user):
        return true()
    if is_editor(user):
        return Service.agency_id == user.agency_id
    return Service.id.is_(None)
