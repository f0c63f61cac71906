"""Prompts area: the registry's pages (``/prompts``) and JSON API (``/api/v1/prompts``,
``/api/v1/feedback``). Views only call ``otel_llm.prompts`` / ``otel_llm.feedback`` and format."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from otel_llm_server.web.errors import map_exception
from otel_llm_server.web.prompts.api import api
from otel_llm_server.web.prompts.views import bp
from otel_llm_server.web.traces.tabs import SpanTab, register_span_tab

from otel_llm.feedback import FeedbackError, TargetNotFound
from otel_llm.prompts.errors import Conflict, InvalidInput, PromptNotFound, VersionNotFound
from otel_llm.prompts.protection import ProtectedLabel

__all__ = ["api", "bp", "init_app"]


def _span_tab(span: dict[str, Any]) -> dict[str, Any]:
    from otel_llm_server.web.db import engine

    from otel_llm.feedback import Target, list_feedback
    from otel_llm.prompts.links import versions_for_span

    on_span = list_feedback(engine(), g.project_id, Target(None, span["span_id"]), limit=50)
    on_trace = list_feedback(engine(), g.project_id, Target(span["trace_id"], None), limit=50)
    trace_level = [f for f in on_trace if f.span_id is None]
    return {
        "links": versions_for_span(engine(), g.project_id, span.get("tags") or {}),
        "feedback": sorted(on_span + trace_level, key=lambda f: f.id, reverse=True),
    }


def init_app(app: Flask) -> None:
    register_span_tab(SpanTab("prompt", "Prompt & feedback", "prompts/_span_tab.html", context=_span_tab))
    map_exception(app, PromptNotFound, 404, "not_found")
    map_exception(app, VersionNotFound, 404, "not_found")
    map_exception(app, InvalidInput, 422, "invalid")
    map_exception(app, Conflict, 409, "conflict")
    map_exception(app, ProtectedLabel, 403, "forbidden")
    map_exception(app, FeedbackError, 422, "invalid")
    map_exception(app, TargetNotFound, 404, "not_found")
