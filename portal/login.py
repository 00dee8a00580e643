"""How Flask-Login finds the signed-in user for a request."""

from __future__ import annotations

from catalogue.models import User

from .extensions import db, login_manager


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None
