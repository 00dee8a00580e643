"""Service-page views counted in memory by each worker and written in batches.

Writing the counter on every view made each page view a write transaction: on SQLite the
workers queued for the one write lock, on PostgreSQL every view paid for a commit. Each
worker now keeps a tally in memory and writes it in one transaction at most every
``VIEW_FLUSH_SECONDS``, after the response has gone out, and again when the worker
exits. A worker killed outright (SIGKILL, power cut) loses at most those seconds of its
views: the figure ranks the "most viewed" services on the home page, it is not one of
the province's statistics.

What counts as a view (issue 17: one scripted client made a weapons-licence procedure the
"most viewed"): a GET by a reader whose browser keeps the portal's visitor cookie
(``VISITOR_COOKIE``: a random id, set on the first service page; a script that keeps no
cookies never counts), whose user agent is not a crawler's or a script's, counted once a
day per visitor and service (a reload counts once). The once-a-day memory is per worker:
with several workers one person can count once per worker on a day, at most.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import re
import secrets
import threading
import time
from collections import Counter

from flask import Flask, Response, current_app, request
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from catalogue.clock import today_vn
from catalogue.usage import record_service_views

from .extensions import db

logger = logging.getLogger(__name__)

VISITOR_COOKIE = "pv"
_VISITOR_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# User agents of crawlers, link checkers, monitors and HTTP libraries: never a reader.
BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|curl|wget|python|httpx|aiohttp|go-http|java/|libwww|okhttp|"
    r"scrapy|headless|phantom|facebookexternalhit|preview|monitor|uptime|check|fetch|archiver",
    re.IGNORECASE)
# Visitors remembered per day and worker (bounded: past it, the day's memory starts over).
MAX_SEEN = 200_000


class ViewTally:
    def __init__(self, flush_seconds: float):
        self.flush_seconds = flush_seconds
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._engine: Engine | None = None
        self._seen: set[bytes] = set()
        self._seen_day = ""

    def first_today(self, visitor: str, code: str, day: str) -> bool:
        """True the first time today this visitor opens this service (in this worker)."""
        key = hashlib.blake2b(f"{visitor} {code}".encode(), digest_size=12).digest()
        with self._lock:
            if day != self._seen_day or len(self._seen) >= MAX_SEEN:
                self._seen, self._seen_day = set(), day
            if key in self._seen:
                return False
            self._seen.add(key)
            return True

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


def is_bot(user_agent: str | None) -> bool:
    return not user_agent or bool(BOT_AGENTS.search(user_agent))


def visitor_of_request() -> str | None:
    value = request.cookies.get(VISITOR_COOKIE, "")
    return value if _VISITOR_RE.match(value) else None


def keep_visitor(response: Response) -> None:
    """Give a reader without one the visitor cookie (after the page cache has kept its copy)."""
    if visitor_of_request() is None and not is_bot(request.user_agent.string):
        response.set_cookie(VISITOR_COOKIE, secrets.token_urlsafe(18), max_age=365 * 86400,
                            httponly=True, samesite="Lax", secure=request.is_secure)


def count_view(response: Response, code: str) -> None:
    """One reader's view of a service page, written once ``response`` has been sent: only a
    visitor with the cookie, not a crawler, once a day per service."""
    tally: ViewTally = current_app.extensions["view_tally"]
    visitor = visitor_of_request()
    if visitor is None or is_bot(request.user_agent.string):
        return
    if not tally.first_today(visitor, code, today_vn().isoformat()):
        return
    if not tally.add(code, db.engine):
        return
    if tally.flush_seconds > 0:
        response.call_on_close(tally.flush)
    else:  # every view written before the page is answered (tests, or a setting of 0)
        tally.flush()


def init_app(app: Flask) -> None:
    app.extensions["view_tally"] = ViewTally(float(app.config["VIEW_FLUSH_SECONDS"]))
