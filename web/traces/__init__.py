"""Traces area: the Traces list, the trace view, the LLM calls list and the span page (HTML), and
``/api/v1/spans`` and ``/api/v1/traces`` (JSON)."""

from __future__ import annotations

from flask import Flask
from otel_llm_server.web.errors import map_exception
from otel_llm_server.web.traces.api import api
from otel_llm_server.web.traces.views import bp, calls_bp

from otel_llm.traces import InvalidCursor

__all__ = ["api", "bp", "init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(calls_bp)
    map_exception(app, InvalidCursor, 400, "bad_request")
