"""Friendly error pages in Vietnamese, JSON errors under /api/: never a traceback."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: ("Yêu cầu không hợp lệ", "Địa chỉ hoặc dữ liệu gửi lên không đúng. Vui lòng kiểm tra lại."),
    401: ("Cần đăng nhập", "Vui lòng đăng nhập để tiếp tục."),
    403: ("Không có quyền truy cập", "Tài khoản của bạn không được phép xem hoặc sửa nội dung này."),
    404: ("Không tìm thấy trang", "Trang hoặc dịch vụ bạn tìm không tồn tại hoặc đã được gỡ bỏ."),
    405: ("Thao tác không được phép", "Trang này không nhận kiểu yêu cầu đó."),
    409: ("Dữ liệu đã thay đổi", "Nội dung đã được người khác sửa trong lúc bạn làm việc."),
    413: ("Dữ liệu gửi lên quá lớn", "Dữ liệu gửi lên vượt quá giới hạn cho phép."),
    429: ("Quá nhiều yêu cầu", "Vui lòng chờ một lát rồi thử lại."),
    500: ("Đã có lỗi xảy ra", "Hệ thống gặp sự cố. Vui lòng thử lại sau ít phút."),
    503: ("Dịch vụ tạm gián đoạn", "Hệ thống đang bảo trì hoặc quá tải. Vui lòng thử lại sau."),
}

API_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 429: "too_many_requests",
    500: "internal_error", 503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, message: str, code: str | None = None):
    body = {"error": {"code": code or API_CODES.get(status, "error"), "message": message}}
    return jsonify(body), status


def error_page(status: int, detail: str | None = None):
    title, message = MESSAGES.get(status, MESSAGES[500])
    if wants_json():
        return api_error(status, detail or message)
    return render_template("error.html", status=status, title=title,
                           message=detail or message), status


DATABASE_DOWN = ("Không kết nối được cơ sở dữ liệu. Hệ thống tạm thời không phục vụ được; "
                 "vui lòng thử lại sau ít phút.")
RETRY_AFTER_SECONDS = "30"
# Raised when the database cannot be reached (server down, network cut, pool exhausted,
# SQLite file unopenable or locked): the site is unavailable, not broken.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)


def database_unavailable_page():
    """503 that renders even when the page chrome itself would need the database."""
    title = MESSAGES[503][0]
    if wants_json():
        response = api_error(503, DATABASE_DOWN, "database_unavailable")[0]
    else:
        try:
            body = render_template("error.html", status=503, title=title, message=DATABASE_DOWN)
        except Exception:  # a template helper touched the database again: plain page
            body = (f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>{escape(title)}'
                    f"</title><h1>{escape(title)}</h1><p>{escape(DATABASE_DOWN)}</p></html>")
        response = Response(body, mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def init_app(app: Flask) -> None:
    def database_unavailable(exc: Exception):
        from .extensions import db

        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__]
        app.logger.error("Database unavailable on %s: %s", request.path, reason[0])
        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the session is discarded at teardown
            pass
        # The page chrome would read the downtime notice: the database just failed, so
        # do not wait for it a second time (portal/notice.py reads this first).
        request._site_notice = None
        return database_unavailable_page()

    for error in UNAVAILABLE_ERRORS:
        app.register_error_handler(error, database_unavailable)


    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_page(400, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                               "Vui lòng tải lại trang và thử lại.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        try:  # the page chrome asks who is signed in: that reads the database
            return error_page(exc.code or 500)
        except UNAVAILABLE_ERRORS as unavailable:
            return database_unavailable(unavailable)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return database_unavailable(exc)
        app.logger.exception("Unhandled error on %s", request.path)
        return error_page(InternalServerError.code)
