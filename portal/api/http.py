"""HTTP as programs expect it of open data, on every answer under /api/, /feeds/ and
/statistics/download/:
validators and caching, cross-origin reads, and the 304 that saves re-sending a page.

ETag. It is derived from the catalogue's stamp (catalogue/freshness.py, the one the page
cache keys on), today's date in Vietnam, the URL and the representation asked for: the
answer to a URL is a function of these. So it moves the moment an editor's change
commits, in every worker and on every machine, and a client revalidating with
``If-None-Match`` gets the new answer at once, or a ``304`` without the view running.

Cache-Control: ``public, max-age=API_MAX_AGE_SECONDS`` (30 s by default): a shared cache
may hold an answer that long; past it, or whenever a client revalidates, the ETag decides.

CORS: ``Access-Control-Allow-Origin: *`` on GET and HEAD (and the preflight for the one
header a client may add, ``If-None-Match``). A small hook rather than Flask-Cors: the
answer is the same constant headers for every route of two prefixes, no credentials and
no per-origin rules, and they must also be on the 304 and error answers made here and in
portal/errors.py; a dependency would configure more than it saves.
"""

from __future__ import annotations

import hashlib
from importlib import metadata

from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from catalogue.clock import today_vn

from ..page_cache import request_stamp

# The statistics downloads (CSV, Excel) are open data too: same validators and CORS.
OPEN_PREFIXES = ("/api/", "/feeds/", "/statistics/download/")
REPRESENTATIONS = ("application/json", "text/csv", "application/atom+xml")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Link, Content-Disposition",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, Accept",
    "Access-Control-Max-Age": "86400",
}


def _open_read() -> bool:
    return request.path.startswith(OPEN_PREFIXES) and request.method in ("GET", "HEAD")


def _release() -> str:
    """The portal's version: a new release may word the same data differently."""
    try:
        return metadata.version("daklak-dichvucong")
    except metadata.PackageNotFoundError:  # pragma: no cover (run from a bare checkout)
        return "dev"


RELEASE = _release()


def current_etag() -> str:
    """The validator of this request's answer under the catalogue as committed now."""
    known = g.get("_open_etag")
    if known is not None:
        return known
    stamp = request_stamp()
    kind = request.accept_mimetypes.best_match(REPRESENTATIONS) or ""
    key = f"{RELEASE} {stamp[0]}.{stamp[1]} {today_vn().isoformat()} {request.full_path} {kind}"
    g._open_etag = etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    return etag


def _caching_headers(response: Response) -> None:
    response.set_etag(current_etag())
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['API_MAX_AGE_SECONDS']}"
    response.vary.add("Accept")


def not_modified() -> Response | None:
    """Before the view: a client that holds the current answer gets a 304."""
    g.pop("_open_etag", None)  # an app context shared by requests (tests, scripts) keeps g
    if not _open_read() or not request.if_none_match:
        return None
    if not request.if_none_match.contains(current_etag()):
        return None
    response = Response(status=304)
    _caching_headers(response)
    return response


def add_open_headers(response: Response) -> Response:
    """After every answer under the open prefixes: CORS always; ETag and caching on 200s."""
    if not request.path.startswith(OPEN_PREFIXES):
        return response
    if request.method == "OPTIONS":
        response.headers.update(CORS_HEADERS)
        response.headers.update(PREFLIGHT_HEADERS)
        return response
    if request.method not in ("GET", "HEAD"):
        return response
    response.headers.update(CORS_HEADERS)
    if response.status_code == 200 and "ETag" not in response.headers:
        try:
            _caching_headers(response)
        except SQLAlchemyError:
            # An answer that needs no database (the OpenAPI document) while the database
            # is down: served, but without a validator, rather than turned into a 500.
            response.headers["Cache-Control"] = "no-store"
    elif response.status_code >= 400:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("API_MAX_AGE_SECONDS", 30)
    app.before_request(not_modified)
    app.after_request(add_open_headers)
