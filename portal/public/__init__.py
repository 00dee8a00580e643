"""Public pages citizens use."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import api_docs, linked_data, views  # noqa: E402,F401
