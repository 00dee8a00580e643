"""Rendered pages for readers who are not signed in, kept by each worker process.

Citizens read the same few hundred pages over and over, and the catalogue changes a few
times a day. So each worker renders a page once and serves the same bytes again for as
long as the catalogue's stamp is the one the page was rendered under
(catalogue/freshness.py: one indexed read per request). An editor's publish therefore
reaches the next reader at once, in every worker and on every machine sharing the
database. A page is also dropped after ``PAGE_CACHE_SECONDS``, for what changes without
a change-log row: the view counts behind "most viewed" on the home page.
Today's date in Vietnam is part of the key, so "today" in the statistics turns at midnight.

Only GET and HEAD requests without a session or remember-me cookie are served from here;
only a 200 response that sets no cookie is kept. Editors, who are signed in, always get
a freshly rendered page, and nothing of theirs is ever kept. Memory is bounded by
``PAGE_CACHE_BYTES`` per worker, the least recently used pages going first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request, session

from catalogue.clock import today_vn
from catalogue.freshness import catalogue_stamp

from .extensions import db

F = TypeVar("F", bound=Callable[..., Any])
# Headers that belong to one response, not to the page: the security headers and the
# cookie handling are added again for each request that is served from the cache.
NOT_KEPT = {"set-cookie", "content-length", "date"}


@dataclass(frozen=True)
class Page:
    stamp: tuple[int, int]
    expires: float
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def response(self) -> Response:
        response = Response(self.body, status=self.status, headers=list(self.headers))
        response.headers["X-Cache"] = "hit"
        return response


class PageCache:
    def __init__(self, seconds: float, max_bytes: int):
        self.seconds = seconds
        self.max_bytes = max_bytes
        self._pages: OrderedDict[str, Page] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str, stamp: tuple[int, int]) -> Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if page.stamp != stamp or page.expires <= time.monotonic():
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: str, stamp: tuple[int, int], response: Response) -> None:
        body = response.get_data()
        if len(body) > self.max_bytes // 4:
            return
        headers = tuple((k, v) for k, v in response.headers.items() if k.lower() not in NOT_KEPT)
        page = Page(stamp, time.monotonic() + self.seconds, response.status_code, headers, body)
        with self._lock:
            if key in self._pages:
                self._drop(key)
            self._pages[key] = page
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._pages)))

    def _drop(self, key: str) -> None:
        self._bytes -= len(self._pages.pop(key).body)


def _anonymous_read() -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    config = current_app.config
    return not any(name in request.cookies for name in (
        config["SESSION_COOKIE_NAME"], config.get("REMEMBER_COOKIE_NAME", "remember_token")))


def _keepable(response: Response) -> bool:
    return (response.status_code == 200 and not response.is_streamed
            and "Set-Cookie" not in response.headers and not session.modified)


def request_stamp() -> tuple[int, int]:
    """The catalogue's stamp as this request first read it. The page cache and the API's
    ETag both ask for it: one read serves both (kept on the request, not on ``g``, which
    an app context shared by several requests would carry over)."""
    stamp = getattr(request, "_catalogue_stamp", None)
    if stamp is None:
        # On the request's own connection, which the page reads through next. Asked before
        # the request writes anything (the page cache asks first; a write's answer only
        # after its commit), so it never counts a change that could still roll back.
        stamp = request._catalogue_stamp = catalogue_stamp(db.session.connection())  # type: ignore[attr-defined]
    return stamp


def cached(view: F) -> F:
    """Serve ``view``'s page from the cache when the reader is anonymous and it is current."""

    @wraps(view)
    def serve(*args: Any, **kwargs: Any) -> Any:
        cache: PageCache | None = current_app.extensions.get("page_cache")
        if cache is None or not _anonymous_read():
            return view(*args, **kwargs)
        key = f"{today_vn().isoformat()} {request.url}"
        stamp = request_stamp()
        page = cache.get(key, stamp)
        if page is not None:
            return page.response()
        response = current_app.make_response(view(*args, **kwargs))
        response.vary.add("Cookie")
        if _keepable(response):
            cache.put(key, stamp, response)
        response.headers["X-Cache"] = "miss"
        return response

    return serve  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    seconds = float(app.config["PAGE_CACHE_SECONDS"])
    if seconds > 0:
        app.extensions["page_cache"] = PageCache(seconds, int(app.config["PAGE_CACHE_BYTES"]))
