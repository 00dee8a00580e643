"""One log line per request, with its duration: what an operator greps when pages slow down.

gunicorn's access log is switched off (gunicorn.conf.py) in favour of this one, so the
same line comes out under ``flask run``, gunicorn or any other WSGI server:

    2026-11-27T22:31:05Z pid=4242 GET /services?q=khai%20sinh 200 12.4ms 18532B
"""

from __future__ import annotations

import logging
import os
import sys
import time
from urllib.parse import quote

from flask import Flask, Response, g, request

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


def request_line(method: str, path: str, status: int, millis: float, size: int | None) -> str:
    shown = quote(path, safe=SAFE_URL_CHARS)
    length = f"{size}B" if size is not None else "-"
    return f"pid={os.getpid()} {method} {shown} {status} {millis:.1f}ms {length}"


def init_app(app: Flask) -> None:
    if not app.config.get("REQUEST_LOG", True):
        return
    logger = request_logger()

    @app.before_request
    def start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        started = g.get("request_started")
        millis = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        path = request.full_path if request.query_string else request.path
        logger.info(request_line(request.method, path, response.status_code, millis,
                                 response.calculate_content_length()))
        return response
