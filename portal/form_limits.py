"""How much text one form post may carry, counted apart from the files it uploads.

Files may be large (each up to UPLOAD_MAX_BYTES, a whole request up to MAX_CONTENT_LENGTH);
the text of a form is small: the longest field the record rules accept is 20,000
characters. Reading, normalising, checking and showing back megabytes of text only costs
a worker its time, so the text of a form post beyond FORM_MAX_BYTES is refused with a 413
page before anything reads the form. The check runs before the CSRF check (which is the
first to read it), for every form, sign-in included.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from .errors import error_page

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def _text_too_large():
    megabytes = current_app.config["FORM_MAX_BYTES"] / (1024 * 1024)
    upload = current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024)
    return error_page(413, f"Nội dung gửi lên vượt quá giới hạn: phần chữ của một biểu mẫu được "
                           f"tối đa {megabytes:g} MB (tệp tải lên tính riêng, mỗi tệp tối đa "
                           f"{upload} MB). Vui lòng rút ngắn nội dung rồi gửi lại.")


def limit_form_text():
    if request.method != "POST" or request.mimetype not in (URLENCODED, MULTIPART):
        return None
    limit = current_app.config["FORM_MAX_BYTES"]
    if request.mimetype == URLENCODED:
        # All text, decoded in one piece: refused from its Content-Length, unread.
        request.max_content_length = min(limit, request.max_content_length or limit)
    else:
        request.max_form_memory_size = min(limit, request.max_form_memory_size or limit)
    try:
        form = request.form
    except RequestEntityTooLarge:
        whole = current_app.config.get("MAX_CONTENT_LENGTH")
        if whole and (request.content_length or 0) > whole:
            return error_page(413)  # files and all: the generic page
        return _text_too_large()
    if request.mimetype == MULTIPART:
        text = sum(len(key) + len(value.encode()) for key, value in form.items(multi=True))
        if text > limit:
            return _text_too_large()
    return None


def init_app(app: Flask) -> None:
    app.before_request(limit_form_text)
