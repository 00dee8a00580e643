"""“Thông tin này có hữu ích không?”: citizens answer on each service page, no sign-in.

The service page (cached for anonymous readers) carries a plain GET form with "Có" and
"Không" buttons to this page, which carries the CSRF token and posts the answer (the
contract's ``POST /services/<code>/feedback``): no session is started on the cached page,
and everything works without JavaScript. Answers are limited per address and per service
(catalogue/feedback.py), and the address itself is never stored, only a keyed hash.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import abort, current_app, render_template, request
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField

from catalogue.feedback import MAX_MISSING_CHARS, FeedbackRefused, record_feedback
from catalogue.models import Service
from catalogue.operations import find_service
from catalogue.validation import CODE_RE

from ..extensions import db
from . import bp


class FeedbackForm(FlaskForm):
    useful = HiddenField()
    missing = TextAreaField("Thiếu thông tin gì? (không bắt buộc)")


def _public_service(code: str) -> Service:
    service = find_service(db.session, code) if CODE_RE.match(code) else None
    if service is None or not service.is_public:
        abort(404)
    return service


def sender_of_request() -> str:
    """A keyed hash of the address: enough to count a flood, useless to find a person."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, (request.remote_addr or "").encode(), hashlib.sha256).hexdigest()


@bp.route("/services/<code>/feedback", methods=["GET", "POST"])
def service_feedback(code: str):
    service = _public_service(code)
    form = FeedbackForm()
    if request.method == "GET":
        useful = request.args.get("useful", "")
        form.useful.data = useful if useful in ("yes", "no") else ""
        return render_template("public/feedback.html", service=service, form=form,
                               max_chars=MAX_MISSING_CHARS)
    if not form.validate_on_submit():
        abort(400)
    if form.useful.data not in ("yes", "no"):
        return render_template("public/feedback.html", service=service, form=form,
                               max_chars=MAX_MISSING_CHARS, problem="Vui lòng chọn “Có” hoặc “Không”."), 422
    try:
        record_feedback(db.session, service, form.useful.data == "yes", form.missing.data,
                        sender_of_request())
    except FeedbackRefused as exc:
        db.session.rollback()
        return render_template("error.html", status=429, title="Quá nhiều ý kiến", message=str(exc)), 429
    db.session.commit()
    return render_template("public/feedback_thanks.html", service=service)
