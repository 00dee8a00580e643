"""The portal's public address, for every absolute URL it writes, the hosts it answers to,
and whether its cookies need HTTPS.

Without a setting, absolute URLs (sitemap.xml, robots.txt, canonical links, the API's
``url`` fields) are built from the request's ``Host`` header, which a client chooses:
``Host: evil.example`` would come back in them, and in any cache in front of the portal.
``PUBLIC_BASE_URL`` (``https://dichvucong.daklak.gov.vn``) fixes the address they use;
with it (or ``ALLOWED_HOSTS``) on, a request for any other host is refused with a 400
page, before anything else looks at the request. (Flask's own ``TRUSTED_HOSTS`` refuses
too early: no URL can be built then, not even the error page's stylesheet.)
An https public address also turns on the ``Secure`` flag of the session and
remember-me cookies (``SESSION_COOKIE_SECURE`` says otherwise when set).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request, url_for
from werkzeug.sansio.utils import host_is_trusted

SECURE_COOKIES = ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE")
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise ValueError(f"{name} must be 1 or 0 (true or false), not {value!r}")


def public_base(value: str | None) -> str | None:
    """``scheme://host[:port]`` with no trailing slash, or None when not set."""
    text = (value or "").strip().rstrip("/")
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path \
            or parts.query or parts.fragment or parts.username:
        raise ValueError("PUBLIC_BASE_URL must be like https://dichvucong.daklak.gov.vn "
                         f"(scheme and host, no path), not {value!r}")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def host_list(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [item.strip().lower() for item in items if item.strip()]


def configure(config: dict[str, Any], explicit: set[str]) -> None:
    """Complete ALLOWED_HOSTS and the cookie flags from PUBLIC_BASE_URL; ``explicit``
    names the settings given by the environment or the caller, which win."""
    base = config["PUBLIC_BASE_URL"] = public_base(config.get("PUBLIC_BASE_URL"))
    hosts = host_list(config.get("ALLOWED_HOSTS"))
    if base:
        hosts.insert(0, urlsplit(base).hostname or "")
    config["ALLOWED_HOSTS"] = hosts
    https = bool(base and base.startswith("https://"))
    session_secure = (flag("SESSION_COOKIE_SECURE", config["SESSION_COOKIE_SECURE"])
                      if "SESSION_COOKIE_SECURE" in explicit else https)
    config["SESSION_COOKIE_SECURE"] = session_secure
    config["REMEMBER_COOKIE_SECURE"] = (
        flag("REMEMBER_COOKIE_SECURE", config["REMEMBER_COOKIE_SECURE"])
        if "REMEMBER_COOKIE_SECURE" in explicit else session_secure)


REFUSED_HOST = "portal.refused_host"


def acceptable_host(host: str, allowed: list[str]) -> bool:
    """A well-formed ``host[:port]`` (one Werkzeug can build URLs on), allowed if a list is set."""
    if not host_is_trusted(host, allowed or None):
        return False
    name = host if host.startswith("[") else host.rpartition(":")[0] if ":" in host else host
    try:
        name.encode("idna")
    except UnicodeError:  # an empty or over-long label: "a..b", 64 letters and more
        return False
    return True


class HostGuard:
    """WSGI layer that sets aside a Host the portal must not answer to: not allowed, or not
    a host name at all (which made Werkzeug fail before any error page could be built, a
    500). Such a request is handed on under a safe host, marked, and refused by
    :func:`refuse_unknown_host` with the portal's own 400 page; nothing of it is echoed."""

    def __init__(self, app: Any, allowed: list[str], fallback: str):
        self.app, self.allowed, self.fallback = app, allowed, fallback

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or ""
        if not acceptable_host(host, self.allowed):
            environ["HTTP_HOST"] = self.fallback
            environ[REFUSED_HOST] = True
        return self.app(environ, start_response)


def refuse_unknown_host() -> None:
    if request.environ.get(REFUSED_HOST):
        abort(400)


def init_app(app: Flask) -> None:
    """The host check comes first, before the session or any page is looked at. Inside
    ProxyFix (added last, outermost), so it judges the host the proxy forwarded."""
    base = app.config["PUBLIC_BASE_URL"]
    fallback = urlsplit(base).netloc if base else "localhost"
    app.wsgi_app = HostGuard(app.wsgi_app, app.config["ALLOWED_HOSTS"], fallback)  # type: ignore[method-assign]
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unknown_host)


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL on the public address when one is set, else on the request's host."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
