"""Security headers on every response, and the session cookie settings they go with.

The Content-Security-Policy allows no inline script or style: every template keeps its
JS and CSS in static files, so an injected ``<script>`` would not run even if escaping
were ever missed.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g

CSP = "; ".join([
    "default-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def forget_previous_request() -> None:
    """The signed-in user and the CSRF token come from this request's session cookie, never
    from ``g`` left by an earlier request that shared the app context (tests, scripts)."""
    g.pop("_login_user", None)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def init_app(app: Flask) -> None:
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.before_request(forget_previous_request)
    app.after_request(add_security_headers)
