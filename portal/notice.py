"""The planned-downtime notice on every page and in every API answer.

Pages include templates/_site_notice.html (one line in base.html), which asks the
template global ``site_notice()``; API answers carry the header ``X-Service-Notice``
(ASCII: dates, and the message percent-encoded as in RFC 8187), so the contract's JSON
shapes stay as they are. A cached anonymous page shows a new notice once it expires
(PAGE_CACHE_SECONDS) or when the Vietnam date turns: the notice is set days ahead.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask, Response, has_request_context, request
from sqlalchemy.exc import SQLAlchemyError

from catalogue.notices import ShownNotice, current_notice
from catalogue.operations import iso

from .extensions import db


def site_notice() -> ShownNotice | None:
    """The notice in force now, read once per request (kept on the request, not on ``g``,
    which an app context shared by several requests would carry over); none if the
    database is down."""
    if has_request_context() and hasattr(request, "_site_notice"):
        return request._site_notice
    try:
        notice = current_notice(db.session)
    except SQLAlchemyError:
        db.session.rollback()
        notice = None
    if has_request_context():
        request._site_notice = notice
    return notice


def notice_header(notice: ShownNotice) -> str:
    return (f"starts={iso(notice.starts_at)}; ends={iso(notice.ends_at)}; "
            f"message*=UTF-8''{quote(notice.message, safe='')}")


def _api_header(response: Response) -> Response:
    if request.path.startswith("/api/"):
        notice = site_notice()
        if notice is not None:
            response.headers["X-Service-Notice"] = notice_header(notice)
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["site_notice"] = site_notice
    app.after_request(_api_header)
