"""Uploaded forms, served from the upload folder (outside static/) as attachments."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory

from catalogue.uploads import is_stored_name, mimetype_of

bp = Blueprint("files", __name__)


@bp.get("/files/<name>")
def download(name: str):
    if not is_stored_name(name):
        abort(404)
    response = send_from_directory(
        current_app.config["UPLOAD_DIR"], name, as_attachment=True, download_name=name,
        mimetype=mimetype_of(name), max_age=3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
