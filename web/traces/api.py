"""``/api/v1/spans`` and ``/api/v1/traces``: the same service calls as the pages, as JSON."""

from __future__ import annotations

from flask import Blueprint, g, request
from otel_llm_server.web.access import require
from otel_llm_server.web.db import read_engine
from otel_llm_server.web.errors import ApiError
from otel_llm_server.web.openapi import api_doc
from otel_llm_server.web.traces.filters import MAX_LIMIT, RANGES, parse_list_query
from otel_llm_server.web.traces.presenters import jsonable

from otel_llm import traces
from otel_llm.traces import SORTS
from otel_llm.traces.tree import build_tree

api = Blueprint("traces_api", __name__, url_prefix="/api/v1")

LIST_QUERY = {
    "range": (
        {"type": "string", "enum": [*RANGES, "all"]},
        "Only spans started in the last 1h, 24h, 7d or 30d (or 'all').",
    ),
    "since": ("string", "Only spans started at or after this ISO 8601 time (UTC if no offset)."),
    "until": ("string", "Only spans started before this ISO 8601 time."),
    "provider": ("string", "Provider, e.g. openai or anthropic."),
    "model": ("string", "Request or response model."),
    "status": ("string", "ok, error or unset."),
    "prompt_name": ("string", "Prompt name tag."),
    "prompt_version": ("string", "Prompt version tag."),
    "experiment": ("string", "Experiment tag."),
    "variant": ("string", "Experiment variant tag."),
    "text": ("string", "Case-insensitive text in the span name."),
    "score": (
        "string",
        "Score columns and filters, comma-separated: 'helpfulness' adds items[].scores.helpfulness; "
        "'helpfulness>=4', 'exact=true', 'tone=friendly' keep spans with such a score (on the span or its trace).",
    ),
    "sort": ({"type": "string", "enum": list(SORTS)}, "time (default), duration or cost."),
    "order": ({"type": "string", "enum": ["desc", "asc"]}, "desc (default) or asc."),
    "cursor": ("string", "next_cursor of the previous page."),
    "limit": (
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        f"Page size, 1–{MAX_LIMIT} (default 50).",
    ),
}


@api.get("/spans")
@require("viewer")
@api_doc(
    "List stored LLM spans, newest first, one keyset page at a time",
    query=LIST_QUERY,
    responses={200: "{items: [span row], next_cursor: string|null}", 400: "A filter is invalid."},
    tag="traces",
)
def list_spans():
    query = parse_list_query(request.args)
    page = traces.list_spans(
        read_engine(), g.project_id, query.flt, query.sort, query.descending, query.cursor, query.limit
    )
    return {"items": jsonable(page.items), "next_cursor": page.next_cursor}


@api.get("/spans/<span_id>")
@require("viewer")
@api_doc(
    "One span, decoded: parameters, system, messages, output, tokens, cost, tags, raw attributes",
    params={"span_id": "Span id, 16 hex digits."},
    responses={200: "The span.", 404: "No such span in this project."},
    tag="traces",
)
def get_span(span_id: str):
    row = traces.get_span(read_engine(), g.project_id, span_id)
    if row is None:
        raise ApiError(404, "not_found", f"no span {span_id} in project {g.project_name}.")
    return jsonable(traces.span_view(row))


@api.get("/traces/<trace_id>")
@require("viewer")
@api_doc(
    "Every stored span of a trace, plus its parent/child tree",
    params={"trace_id": "Trace id, 32 hex digits."},
    responses={
        200: "{trace_id, spans: [span row], tree: [{span_id, children: [...]}]}",
        404: "No such trace.",
    },
    tag="traces",
)
def get_trace(trace_id: str):
    rows = traces.trace_spans(read_engine(), g.project_id, trace_id)
    if not rows:
        raise ApiError(404, "not_found", f"no trace {trace_id} in project {g.project_name}.")
    for row in rows:
        row.pop("attributes", None), row.pop("events", None), row.pop("resource", None)
    return {"trace_id": trace_id, "spans": jsonable(rows), "tree": [_ids(n) for n in build_tree(rows)]}


def _ids(node: dict) -> dict:
    return {"span_id": node["span"]["span_id"], "children": [_ids(c) for c in node["children"]]}
