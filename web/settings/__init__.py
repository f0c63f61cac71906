"""Settings: project members, API keys, protected labels and webhooks (pages + JSON). Admins change
them; members may look."""

from __future__ import annotations

from flask import Flask
from otel_llm_server.web.errors import map_exception
from otel_llm_server.web.settings import labels, webhooks  # noqa: F401  (their routes join api and bp)
from otel_llm_server.web.settings.api import api
from otel_llm_server.web.settings.views import bp

from otel_llm.webhooks.errors import WebhookError, WebhookNotFound

__all__ = ["api", "bp", "init_app"]


def init_app(app: Flask) -> None:
    map_exception(app, WebhookError, 422, "invalid")
    map_exception(app, WebhookNotFound, 404, "not_found")
