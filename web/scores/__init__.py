"""Scores area: ``/api/v1/scores`` and ``/api/v1/score-configs``, the span page's Scores tab and its
form (``POST /scores/span/<span_id>``). Views only call ``otel_llm.scores`` and format."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from otel_llm_server.web.errors import map_exception
from otel_llm_server.web.scores.api import api
from otel_llm_server.web.scores.views import bp
from otel_llm_server.web.traces.tabs import SpanTab, register_span_tab

from otel_llm import scores

__all__ = ["api", "bp", "init_app"]


def _span_tab(span: dict[str, Any]) -> dict[str, Any]:
    from otel_llm_server.web.db import engine

    on_span = scores.scores_for_spans(engine(), g.project_id, [span["span_id"]]).get(span["span_id"], [])
    on_trace = scores.scores_for_trace(engine(), g.project_id, span["trace_id"])
    return {
        "scores": sorted(on_span + on_trace, key=lambda s: s.id, reverse=True),
        "configs": scores.list_configs(engine(), g.project_id),
    }


def init_app(app: Flask) -> None:
    register_span_tab(SpanTab("scores", "Scores", "scores/_span_tab.html", context=_span_tab))
    map_exception(app, scores.ScoreError, 422, "invalid")
    map_exception(app, scores.ScoreConfigNotFound, 404, "not_found")
    map_exception(app, scores.ScoreNotFound, 404, "not_found")
    map_exception(app, scores.TargetNotFound, 404, "not_found")
    map_exception(app, scores.ScoreConflict, 409, "conflict")
