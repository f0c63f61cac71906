"""Datasets area: pages (``/datasets``), the JSON API (``/api/v1/datasets``), the span page's
Datasets tab and the traces list's "Add to dataset". Views only call ``otel_llm.datasets``."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from otel_llm_server.web.datasets.api import api
from otel_llm_server.web.datasets.views import bp
from otel_llm_server.web.errors import map_exception
from otel_llm_server.web.traces.tabs import SpanTab, register_span_tab

from otel_llm.datasets import DatasetError, DatasetExists, DatasetNotFound, ItemNotFound, VersionNotFound

__all__ = ["api", "bp", "init_app"]


def dataset_choices() -> list:
    """The project's datasets, for "Add to dataset" forms on other areas' pages."""
    from otel_llm_server.web.db import engine

    from otel_llm.datasets import list_datasets

    return list_datasets(engine(), g.project_id)


def _tab_context(span: dict[str, Any]) -> dict[str, Any]:
    from otel_llm_server.web.db import engine

    from otel_llm.datasets.service import holding_span

    return {
        "datasets": dataset_choices(),
        "holding": holding_span(engine(), g.project_id, span["trace_id"], span["span_id"]),
    }


def init_app(app: Flask) -> None:
    map_exception(app, DatasetError, 422, "invalid")
    map_exception(app, DatasetNotFound, 404, "not_found")
    map_exception(app, VersionNotFound, 404, "not_found")
    map_exception(app, ItemNotFound, 404, "not_found")
    map_exception(app, DatasetExists, 409, "conflict")
    app.jinja_env.globals["dataset_choices"] = dataset_choices
    register_span_tab(
        SpanTab("datasets", "Datasets", "datasets/_span_tab.html", role="viewer", context=_tab_context)
    )
