"""Public pages citizens use."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import feedback, life_events, places, views  # noqa: E402,F401
