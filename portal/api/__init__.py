"""Open data API, JSON, read-only: /api/v1/..."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import (  # noqa: E402,F401
    life_events,
    openapi,
    places,
    series,
    service_points,
    services,
    statistics,
    suggest,
)
