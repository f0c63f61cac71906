"""Overview: calls, error rate, tokens, cost and latency over time and per model (page + JSON)."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from otel_llm_server.web.access import require
from otel_llm_server.web.db import read_engine
from otel_llm_server.web.errors import ApiError
from otel_llm_server.web.openapi import api_doc

from otel_llm.traces import overview as service

bp = Blueprint("overview", __name__, url_prefix="/overview", template_folder="templates")
api = Blueprint("overview_api", __name__, url_prefix="/api/v1")


def _range() -> str:
    name = request.args.get("range", service.DEFAULT_RANGE)
    if name not in service.RANGES:
        raise ApiError(400, "bad_request", f"range must be one of {', '.join(service.RANGES)}.")
    return name


@bp.get("")
@require("viewer")
def index():
    data = service.overview(read_engine(), g.project_id, _range())
    return render_template(
        "overview/index.html",
        data=data,
        ranges=list(service.RANGES),
        has_any=service.has_spans(read_engine(), g.project_id),
    )


@api.get("/overview")
@require("viewer")
@api_doc(
    "Calls, errors, tokens, cost and p50/p95 latency: totals, per time bucket and per model",
    query={"range": ("string", "1h, 24h, 7d (default), 30d or 90d.")},
    responses={200: "{range, bucket_seconds, totals, series: [...], models: [...], calls_by_model}"},
    tag="overview",
)
def overview_json():
    return service.overview(read_engine(), g.project_id, _range())
