"""Open data API, JSON, read-only: /api/v1/..."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import openapi, series, services, statistics, suggest  # noqa: E402,F401
