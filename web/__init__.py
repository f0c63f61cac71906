"""The Flask console and JSON API."""

from __future__ import annotations

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory. ``test_config`` overrides settings (e.g. ``DATABASE_URL``)."""
    from otel_llm import settings

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DATABASE_URL=settings.database_url(), PROJECT=settings.project())
    if test_config:
        app.config.update(test_config)

    from web import traces

    app.register_blueprint(traces.bp)
    return app
