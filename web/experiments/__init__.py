"""Experiments area: pages (``/experiments``) and JSON API (``/api/v1/experiments``). Views only call
``otel_llm.experiments`` (service, runs, results) and format."""

from __future__ import annotations

from flask import Flask
from otel_llm_server.web.errors import map_exception
from otel_llm_server.web.experiments.api import api
from otel_llm_server.web.experiments.views import bp

from otel_llm.experiments.errors import (
    ExperimentError,
    ExperimentExists,
    ExperimentNotFound,
    InvalidTransition,
)
from otel_llm.experiments.runs import RunInProgress

__all__ = ["api", "bp", "init_app"]


def init_app(app: Flask) -> None:
    map_exception(app, ExperimentError, 422, "invalid")
    map_exception(app, ExperimentNotFound, 404, "not_found")
    map_exception(app, ExperimentExists, 409, "conflict")
    map_exception(app, InvalidTransition, 409, "conflict")
    map_exception(app, RunInProgress, 409, "conflict")
