"""Evaluation runs and online rules: the console pages, ``/api/v1/eval-runs`` and ``/api/v1/eval-rules``."""

from __future__ import annotations

from flask import Flask
from otel_llm_server.web.errors import map_exception
from otel_llm_server.web.evaluations.api import api
from otel_llm_server.web.evaluations.views import bp

from otel_llm.evaluation.errors import EvaluationError, RuleNotFound, RunNotFound

__all__ = ["api", "bp", "init_app"]


def init_app(app: Flask) -> None:
    map_exception(app, RunNotFound, 404, "not_found")
    map_exception(app, RuleNotFound, 404, "not_found")
    map_exception(app, EvaluationError, 422, "invalid")
