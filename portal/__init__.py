"""The portal: a Flask app over the catalogue domain.

``create_app()`` reads settings, then binds extensions, blueprints, error pages, template
helpers, CLI commands, security headers, the page cache and the request log in named steps.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from .extensions import csrf, db, login_manager, migrate
from .settings import DEFAULTS, PROJECT_ROOT, from_environment, secret_key

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    instance = Path(os.environ.get("PORTAL_INSTANCE") or PROJECT_ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=str(instance.resolve()),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    configure(app, test_config)
    register_form_limits(app)  # first: it must see a form before the CSRF check reads it
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_security(app)
    register_public_url(app)
    register_open_http(app)
    register_page_cache(app)
    register_request_log(app)
    register_proxy_fix(app)
    register_warmup(app)  # last: it compiles templates, which need every filter registered
    return app


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    environment = from_environment(Path(app.instance_path))
    app.config.from_mapping(environment)
    if test_config:
        app.config.from_mapping(test_config)
    from .public_url import configure as configure_public_url

    configure_public_url(app.config, set(environment) | set(test_config or {}))
    from .database_limits import engine_options

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["DATABASE_CONNECT_TIMEOUT"],
        app.config["DATABASE_STATEMENT_TIMEOUT"], app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(Path(app.instance_path))
    # JSON keys in the contract's order ("total", "page", ... not alphabetical).
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  (Vietnamese as UTF-8)


def register_form_limits(app: Flask) -> None:
    from .form_limits import init_app

    init_app(app)


def register_extensions(app: Flask) -> None:
    from . import sqlite_pragmas  # noqa: F401  (WAL for several workers on SQLite)

    db.init_app(app)
    from .database_limits import guard_engine

    with app.app_context():
        for engine in db.engines.values():
            guard_engine(engine, app.config["DATABASE_STATEMENT_TIMEOUT"])
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    from . import login  # noqa: F401  (registers the user loader)


def register_blueprints(app: Flask) -> None:
    from . import api, auth, feeds, files, health, manage, public, statistics

    for module in (public, api, feeds, statistics, auth, manage, files, health):
        app.register_blueprint(module.bp)
    # The API answers JSON to programs; it takes no form posts, so no CSRF token.
    csrf.exempt(api.bp)


def register_errorhandlers(app: Flask) -> None:
    from .errors import init_app

    init_app(app)


def register_template_helpers(app: Flask) -> None:
    from . import notice
    from .formatting import init_app

    init_app(app)
    notice.init_app(app)  # the downtime notice on pages and in API headers


def register_warmup(app: Flask) -> None:
    from .warm import init_app

    init_app(app)


def register_security(app: Flask) -> None:
    from .security import init_app

    init_app(app)


def register_public_url(app: Flask) -> None:
    from .public_url import init_app

    init_app(app)


def register_open_http(app: Flask) -> None:
    """ETag, 304, caching and CORS headers on the API and the feeds."""
    from .api.http import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    from .cli import init_app

    init_app(app)


def register_page_cache(app: Flask) -> None:
    from . import page_cache, view_tally

    page_cache.init_app(app)
    view_tally.init_app(app)


def register_request_log(app: Flask) -> None:
    from .request_log import init_app

    init_app(app)


def register_proxy_fix(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address, scheme and host
    from the headers they add, so that the sign-in throttle counts each visitor apart
    instead of the proxy. Outermost, so every other layer sees the client's address."""
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
