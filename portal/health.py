"""``/healthz``: is this process able to serve? For load balancers and monitoring.

It answers 200 with ``{"status": "ok", ...}`` when the database answers a query and the
current search index generation opens whole, 503 with ``"status": "error"`` and the
failing part otherwise, so a load balancer takes a broken machine out of rotation
instead of sending citizens to it. It only looks: a damaged index is repaired by the
search engine on the next search or by ``reindex``, never by a probe.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from catalogue.search import index_status

from .extensions import db

bp = Blueprint("health", __name__)


def check_database() -> str:
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
    except Exception as exc:  # any failure means "cannot serve", whatever the driver
        db.session.rollback()
        current_app.logger.warning("healthz: database check failed: %s", exc)
        return f"error: {type(exc).__name__}"
    return "ok"


def check_search_index() -> str:
    directory = current_app.config["SEARCH_INDEX_DIR"]
    answer = index_status(directory)
    if answer != "ok":
        current_app.logger.warning("healthz: search index in %s: %s", directory, answer)
    return answer


@bp.get("/healthz")
def healthz():
    database = check_database()
    search_index = check_search_index()
    healthy = database == "ok" and search_index == "ok"
    body = {"status": "ok" if healthy else "error", "database": database,
            "search_index": search_index}
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
