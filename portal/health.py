"""``/healthz``: is this process able to serve? For load balancers and monitoring.

It answers 200 with ``{"status": "ok", ...}`` when the database answers a query and the
search index opens, 503 with ``"status": "error"`` and the failing part otherwise, so a
load balancer takes a broken machine out of rotation instead of sending citizens to it.
"""

from __future__ import annotations

import gc
import inspect
import os
import warnings
from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .extensions import db

bp = Blueprint("health", __name__)

NOT_USED = "not used"


def check_database() -> str:
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
    except Exception as exc:  # any failure means "cannot serve", whatever the driver
        db.session.rollback()
        current_app.logger.warning("healthz: database check failed: %s", exc)
        return f"error: {type(exc).__name__}"
    return "ok"


def _search_module_status(directory: str) -> Any:
    """Ask the search engine itself: the same path a search takes, repairs included."""
    from catalogue import search

    index_status = getattr(search, "index_status", None)
    if callable(index_status):
        params = inspect.signature(index_status).parameters
        return index_status(directory) if params else index_status()
    engine_for = getattr(search, "engine_for", None)
    engine = engine_for(directory) if callable(engine_for) else None
    if engine is not None and callable(getattr(engine, "ready", None)):
        # Opens the index (rebuilding it if it was deleted or damaged) and brings it up to
        # date with the database: "ok" means the next search will answer.
        engine.ready(db.engine)
        return "ok"
    return None


def _open_whoosh_index(directory: str) -> str:
    from whoosh import index

    if not index.exists_in(directory):
        return "missing"
    ix = index.open_dir(directory)
    try:
        with ix.searcher() as searcher:
            searcher.doc_count()
    finally:
        ix.close()
    return "ok"


def _whoosh_directory_status(directory: str) -> str:
    if not os.path.exists(directory):
        # The search engine of this build keeps no index of its own (the SQL seam).
        return NOT_USED
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return _open_whoosh_index(directory)
        except Exception as exc:  # a corrupt index raises whatever Whoosh raises
            failure = f"error: {type(exc).__name__}"
        # Whoosh leaves the file of a corrupt table of contents open: close it now.
        gc.collect()
    current_app.logger.warning("healthz: search index in %s does not open: %s", directory, failure)
    return failure


def check_search_index() -> str:
    directory = current_app.config["SEARCH_INDEX_DIR"]
    try:
        answer = _search_module_status(directory)
        if answer is None:
            answer = _whoosh_directory_status(directory)
    except Exception as exc:  # a corrupt index raises whatever Whoosh raises
        current_app.logger.warning("healthz: search index check failed: %s", exc)
        return f"error: {type(exc).__name__}"
    if isinstance(answer, dict):
        answer = answer.get("status", "ok" if answer.get("ok") else "error")
    if answer is True:
        return "ok"
    if answer is False:
        return "error"
    return str(answer)


@bp.get("/healthz")
def healthz():
    database = check_database()
    search_index = check_search_index()
    healthy = database == "ok" and search_index in ("ok", NOT_USED)
    body = {"status": "ok" if healthy else "error", "database": database,
            "search_index": search_index}
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
