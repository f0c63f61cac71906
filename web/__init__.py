"""The Flask console and JSON API. See ``web/README.md`` for how to add a page or an API route."""

from __future__ import annotations

import importlib
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# Each area is a module exposing ``bp`` (HTML pages) and/or ``api`` (JSON routes under /api/v1), and
# optionally ``init_app(app)`` (e.g. to map its service exceptions). Add yours with one line.
AREAS = (
    "otel_llm_server.web.auth",
    "otel_llm_server.web.traces",
    "otel_llm_server.web.conversations",
    "otel_llm_server.web.overview",
    "otel_llm_server.web.settings",
    "otel_llm_server.web.prompts",
    "otel_llm_server.web.replays",
    "otel_llm_server.web.experiments",
    "otel_llm_server.web.datasets",
    "otel_llm_server.web.prices",
    "otel_llm_server.web.scores",
    "otel_llm_server.web.evaluations",
    "otel_llm_server.web.playground",
)


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory. ``test_config`` overrides settings (e.g. ``DATABASE_URL``, ``SECRET_KEY``,
    ``INSTANCE_PATH`` — the folder where the generated session secret is kept)."""
    from otel_llm_server.web import db, errors, nav, openapi, templating
    from otel_llm_server.web.api import IsoJSONProvider
    from otel_llm_server.web.validation import CONVERTERS

    from otel_llm import settings

    instance_path = (test_config or {}).get("INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.json = IsoJSONProvider(app)
    app.url_map.converters.update(CONVERTERS)  # before any route: ids past their column's range are 404
    app.config.from_mapping(
        DATABASE_URL=settings.database_url(),
        READ_DATABASE_URL=settings.read_database_url(),
        PROJECT=settings.project(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies(),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours()),
        SESSION_IDLE_SECONDS=settings.session_idle_minutes() * 60,  # checked in web/access.py
        SESSION_MAX_SECONDS=settings.session_max_hours() * 3600,
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in _check_csrf: every write except API-key calls
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.secret_key() or _instance_secret(app)

    proxies = settings.trusted_proxies()
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    db.init_app(app)
    csrf.init_app(app)
    app.before_request(_check_csrf)
    app.after_request(_security_headers)
    errors.init_app(app)
    templating.init_app(app)
    for name in AREAS:
        _register_area(app, name)
    app.register_blueprint(openapi.bp)
    nav.register_placeholders(app)
    return app


def _register_area(app: Flask, module_name: str) -> None:
    module = importlib.import_module(module_name)
    for attr in ("bp", "api"):
        blueprint = getattr(module, attr, None)
        if blueprint is not None:
            app.register_blueprint(blueprint)
    if hasattr(module, "init_app"):
        module.init_app(app)


def _check_csrf() -> None:
    """Every write needs the CSRF token, except API calls authenticated by a key (no cookie involved)."""
    from flask import request
    from otel_llm_server.web.access import uses_api_key

    if request.method in ("GET", "HEAD", "OPTIONS") or uses_api_key():
        return
    csrf.protect()


# Scripts only from our own static files (so no inline script can run, even if markup slipped
# through escaping); inline style attributes are allowed for layout values like bar widths.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _instance_secret(app: Flask) -> str:
    """A random key created once and kept in the instance folder (mode 0600), so sessions survive restarts."""
    path = Path(app.instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.touch(mode=0o600)
    path.write_text(key)
    return key
