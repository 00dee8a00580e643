"""Settings from the environment (the README's Settings and Production tables), with safe
defaults for one machine."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from catalogue.vocabulary import UPLOAD_MAX_BYTES

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _absolute_sqlite(url: str, base: Path) -> str:
    """Relative SQLite paths are read from the working directory, as a shell user expects."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return url
    if parsed.database == ":memory:" or Path(parsed.database).is_absolute():
        return url
    path = (base / parsed.database).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return parsed.set(database=str(path)).render_as_string(hide_password=False)


def secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        # Several gunicorn workers may start at once: each writes a whole key to its own
        # file and links it into place; the first link wins, the others read that one.
        instance.mkdir(parents=True, exist_ok=True)
        tmp = instance / f".secret_key.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def trusted_proxies(value: str | None) -> int:
    """How many reverse proxies stand in front of the app (0: clients talk to it directly).

    Only that many X-Forwarded-For entries, counted from the right, were written by
    proxies we run; anything further left is whatever the client sent, so trusting more
    hops than there are proxies would let a client choose the address it is throttled by.
    """
    text = (value or "").strip() or "0"
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"TRUSTED_PROXIES must be a whole number (0 or more), not {value!r}")
    return int(text)


# Optional settings beyond the contract's, numbers read from the environment when set.
TUNABLE = ("PAGE_CACHE_SECONDS", "PAGE_CACHE_BYTES", "VIEW_FLUSH_SECONDS",
           "DATABASE_CONNECT_TIMEOUT", "DATABASE_STATEMENT_TIMEOUT", "REVIEW_PERIOD_MONTHS",
           "MOST_VIEWED_MIN_VIEWS", "CHECK_LINKS_TIMEOUT")


PUBLIC = ("PUBLIC_BASE_URL", "ALLOWED_HOSTS", "SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE")


def _number(name: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {value!r}") from None


def from_environment(instance: Path) -> dict[str, Any]:
    cwd = Path.cwd()
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'portal.db'}"
    index_dir = os.environ.get("SEARCH_INDEX_DIR") or str(instance / "search-index")
    tuning = {name: _number(name, os.environ[name]) for name in TUNABLE if os.environ.get(name, "").strip()}
    # Public address, hosts, cookie flags: portal/public_url.py (only when set).
    public = {name: os.environ[name] for name in PUBLIC if os.environ.get(name, "").strip()}
    return {
        **tuning,
        **public,
        "SQLALCHEMY_DATABASE_URI": _absolute_sqlite(database, cwd),
        # Absolute, but not resolved: the directory is a symbolic link to the current
        # generation, and the link is what a rebuild replaces (catalogue/search/generations.py).
        "SEARCH_INDEX_DIR": os.path.abspath(cwd / index_dir),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(instance / "uploads"),
        "TRUSTED_PROXIES": trusted_proxies(os.environ.get("TRUSTED_PROXIES")),
        **({"PUBLIC_BASE_URL": os.environ["PUBLIC_BASE_URL"].strip()}
           if os.environ.get("PUBLIC_BASE_URL", "").strip() else {}),
    }


DEFAULTS: dict[str, Any] = {
    # Completed for the database in use by portal/database_limits.py (time limits).
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # Seconds: a silent PostgreSQL gives the 503 after about the connect timeout (plus a
    # 2 s ping of a pooled connection); a statement may run this long before it is stopped.
    "DATABASE_CONNECT_TIMEOUT": 3,
    "DATABASE_STATEMENT_TIMEOUT": 15,
    "SESSION_COOKIE_HTTPONLY": True,
    # The address citizens use, e.g. https://dichvucong.daklak.gov.vn: absolute URLs use it
    # and other Host headers get a 400 (with ALLOWED_HOSTS: more names to answer to).
    "PUBLIC_BASE_URL": None,
    "ALLOWED_HOSTS": "",
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # The text of one form post; uploaded files are counted apart (portal/form_limits.py).
    "FORM_MAX_BYTES": 1024 * 1024,
    "UPLOAD_MAX_BYTES": UPLOAD_MAX_BYTES,
    # Anonymous pages kept per worker until the catalogue changes, at most this long
    # (0 turns the cache off): portal/page_cache.py.
    "PAGE_CACHE_SECONDS": 60,
    "PAGE_CACHE_BYTES": 32 * 1024 * 1024,
    # Service-page views are written in batches at most this often: portal/view_tally.py.
    "VIEW_FLUSH_SECONDS": 10,
    # An entry not confirmed for this many months is listed as "cần rà soát".
    "REVIEW_PERIOD_MONTHS": 12,
    # "Most viewed" on the home page lists a service only from this many counted views.
    "MOST_VIEWED_MIN_VIEWS": 10,
    # check-links: seconds to wait for one URL.
    "CHECK_LINKS_TIMEOUT": 10,
    # How long a shared cache may keep an API answer (portal/api/http.py).
    "API_MAX_AGE_SECONDS": 30,
}
