"""The statistics pages: counts by level, agency, field, tier, audience, at any date."""

from flask import Blueprint

bp = Blueprint("statistics", __name__)

from . import readiness, usefulness, views  # noqa: E402,F401
