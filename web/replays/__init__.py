"""Replays area: the Replay tab of the span page, the Replays pages (single replays and batch
runs), and the replay API (``/api/v1/spans/<id>/replay``, ``/api/v1/replays``, ``/api/v1/replay-runs``)."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from otel_llm_server.web.errors import map_exception
from otel_llm_server.web.replays.api import api
from otel_llm_server.web.replays.views import bp
from otel_llm_server.web.traces.tabs import SpanTab, register_span_tab

from otel_llm.replay import InvalidOverride, NotReplayable, ReplayError, SpanNotFound

__all__ = ["api", "bp", "init_app"]


def _tab_context(span: dict[str, Any]) -> dict[str, Any]:
    from otel_llm_server.web.db import engine
    from otel_llm_server.web.replays import forms

    from otel_llm.replay import store

    return {
        "defaults": forms.defaults_for(span),
        "replays": store.list_replays(engine(), g.project_id, original_span_id=span["span_id"], limit=20),
        "replayable": _replayable(span),
    }


def _replayable(span: dict[str, Any]) -> bool:
    """Whether the span holds its prompt: a request record with content, or captured messages."""
    request = span.get("request")
    if request:
        return bool(request.get("content", True))
    return bool(span.get("input_messages"))


def init_app(app: Flask) -> None:
    map_exception(app, ReplayError, 422, "invalid")
    map_exception(app, InvalidOverride, 422, "invalid")
    map_exception(app, NotReplayable, 422, "invalid")
    map_exception(app, SpanNotFound, 404, "not_found")
    register_span_tab(
        SpanTab("replay", "Replay", "replays/_span_tab.html", role="viewer", context=_tab_context)
    )
