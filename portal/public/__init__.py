"""Public pages citizens use."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import api_docs, feedback, life_events, linked_data, places, views  # noqa: E402,F401
