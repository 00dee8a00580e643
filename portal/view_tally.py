"""Service-page views counted in memory by each worker and written in batches.

Writing the counter on every view made each page view a write transaction: on SQLite the
workers queued for the one write lock, on PostgreSQL every view paid for a commit. Each
worker now keeps a tally in memory and writes it in one transaction at most every
``VIEW_FLUSH_SECONDS``, after the response has gone out, and again when the worker
exits. A worker killed outright (SIGKILL, power cut) loses at most those seconds of its
views: the figure ranks the "most viewed" services on the home page, it is not one of
the province's statistics.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter

from flask import Flask, Response, current_app
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from catalogue.usage import record_service_views

from .extensions import db

logger = logging.getLogger(__name__)


class ViewTally:
    def __init__(self, flush_seconds: float):
        self.flush_seconds = flush_seconds
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._engine: Engine | None = None

    def add(self, code: str, engine: Engine) -> bool:
        """Count one view; True when the tally is due to be written."""
        with self._lock:
            if self._engine is None:
                self._engine = engine
                atexit.register(self.flush)
            self._counts[code] += 1
            return time.monotonic() - self._last_flush >= self.flush_seconds

    def flush(self) -> None:
        """Write the views counted so far; kept for the next try if the database refuses."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
            self._last_flush = time.monotonic()
        if not counts or self._engine is None:
            return
        try:
            with Session(self._engine) as session, session.begin():
                record_service_views(session, counts)
        except SQLAlchemyError:
            logger.warning("%d service views not written yet", sum(counts.values()), exc_info=True)
            with self._lock:
                self._counts.update(counts)


def count_view(response: Response, code: str) -> None:
    """One reader's view of a service page, written once ``response`` has been sent."""
    tally: ViewTally = current_app.extensions["view_tally"]
    if not tally.add(code, db.engine):
        return
    if tally.flush_seconds > 0:
        response.call_on_close(tally.flush)
    else:  # every view written before the page is answered (tests, or a setting of 0)
        tally.flush()


def init_app(app: Flask) -> None:
    app.extensions["view_tally"] = ViewTally(float(app.config["VIEW_FLUSH_SECONDS"]))
