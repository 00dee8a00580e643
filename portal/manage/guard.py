"""The access step of every /manage/ view: sign-in, role, and the service's agency."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from catalogue.access import can_edit_service, can_manage, can_view_service
from catalogue.models import Service
from catalogue.operations import find_service

from ..extensions import db


def manager_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed in, active, and an admin or an editor with an agency."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not can_manage(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def service_or_404(code: str) -> Service:
    service = find_service(db.session, code)
    if service is None:
        abort(404)
    return service


def viewable_service(code: str) -> Service:
    """The service named in the URL, if this user may see it in /manage/ (else 404/403)."""
    service = service_or_404(code)
    if not can_view_service(current_user, service):
        abort(403)
    return service


def editable_service(code: str) -> Service:
    """The service named in the URL, if this user may change it (else 404/403)."""
    service = viewable_service(code)
    if not can_edit_service(current_user, service):
        abort(403)
    return service


def expected_version(value: str | None) -> int:
    """The version a form carries; a form without one is malformed, not a fresh copy."""
    if not value or not value.strip().isdigit() or len(value.strip()) > 9:
        abort(400)
    return int(value)


def expected_edition(value: str | None) -> int | None:
    """The edition version a form carries: empty when no edition was open."""
    if value is None or not value.strip():
        return None
    return expected_version(value)
