"""How Flask-Login finds the signed-in user for a request."""

from __future__ import annotations

from catalogue.models import User

from .extensions import db, login_manager


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, stamp = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or stamp != user.session_stamp:
        return None
    return user
