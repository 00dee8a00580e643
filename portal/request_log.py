"""One log line per request, with its duration: what an operator greps when pages slow down.

gunicorn's access log is switched off (gunicorn.conf.py) in favour of this one, so the
same line comes out under ``flask run``, gunicorn or any other WSGI server:

    2026-11-27T22:31:05Z pid=4242 GET /services?q=khai+sinh 200 12.4ms 18532B

It wraps the WSGI app rather than using Flask's request hooks, so the time covers every
hook and error handler, and a request refused before any view (CSRF, 405) is logged too.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from flask import Flask

LOGGER_NAME = "portal.requests"
# Kept readable in the log, everything else percent-encoded: a crafted URL cannot
# forge extra lines or terminal escapes in the log.
SAFE_URL_CHARS = "/?&=%:+,;@-._~!$'()*"


class CurrentStderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time: gunicorn and pytest replace it."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def request_logger() -> logging.Logger:
    """The one logger for request lines; configured once per process, never twice."""
    logger = logging.getLogger(LOGGER_NAME)
    if not logger.handlers:
        handler = CurrentStderrHandler()
        formatter = logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%SZ")
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def request_target(environ: dict[str, Any]) -> str:
    """Path and query as sent, percent-encoded where not plain ASCII."""
    path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1", "replace")
    line = quote(path, safe=SAFE_URL_CHARS)
    query = environ.get("QUERY_STRING", "")
    if query:
        line += "?" + quote(query.encode("latin-1", "replace"), safe=SAFE_URL_CHARS)
    return line


def request_line(method: str, target: str, status: str, millis: float, size: str | None) -> str:
    method = method if method.isalpha() and len(method) <= 10 else "?"
    code = status.split(" ", 1)[0] or "-"
    return f"pid={os.getpid()} {method} {target} {code} {millis:.1f}ms {size + 'B' if size else '-'}"


class RequestLog:
    """WSGI middleware: times the app and logs the line once the response has started."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], logger: logging.Logger):
        self.wsgi_app = wsgi_app
        self.logger = logger

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: dict[str, Any] = {"status": "500", "length": None}

        def recording_start_response(status: str, headers: list[tuple[str, str]], *exc_info: Any):
            seen["status"] = status
            seen["length"] = next((v for k, v in headers if k.lower() == "content-length"), None)
            return start_response(status, headers, *exc_info)

        try:
            return self.wsgi_app(environ, recording_start_response)
        finally:
            millis = (time.perf_counter() - started) * 1000
            self.logger.info(request_line(environ.get("REQUEST_METHOD", "?"), request_target(environ),
                                          seen["status"], millis, seen["length"]))


def init_app(app: Flask) -> None:
    if app.config.get("REQUEST_LOG", True):
        app.wsgi_app = RequestLog(app.wsgi_app, request_logger())  # type: ignore[method-assign]
