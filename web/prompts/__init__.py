"""Prompts area: the registry's pages (``/prompts``) and JSON API (``/api/v1/prompts``,
``/api/v1/feedback``). Views only call ``otel_llm.prompts`` / ``otel_llm.feedback`` and format."""

from __future__ import annotations

from flask import Flask

from otel_llm.feedback import FeedbackError
from otel_llm.prompts.errors import Conflict, InvalidInput, PromptNotFound, VersionNotFound
from web.errors import map_exception
from web.prompts.api import api
from web.prompts.views import bp

__all__ = ["api", "bp", "init_app"]


def init_app(app: Flask) -> None:
    map_exception(app, PromptNotFound, 404, "not_found")
    map_exception(app, VersionNotFound, 404, "not_found")
    map_exception(app, InvalidInput, 422, "invalid")
    map_exception(app, Conflict, 409, "conflict")
    map_exception(app, FeedbackError, 422, "invalid")
