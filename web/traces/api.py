"""``/api/v1/spans`` and ``/api/v1/traces``: the same service calls as the pages, as JSON."""

from __future__ import annotations

from flask import Blueprint, g, request
from otel_llm_server.web.access import require
from otel_llm_server.web.db import read_engine
from otel_llm_server.web.errors import ApiError
from otel_llm_server.web.openapi import api_doc
from otel_llm_server.web.traces.filters import MAX_LIMIT, RANGES, parse_list_query, parse_trace_query
from otel_llm_server.web.traces.presenters import jsonable

from otel_llm import traces
from otel_llm.traces import SORTS
from otel_llm.traces.tree import build_tree, flatten

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
    "user": ("string", "End user (user.id or enduser.id, otel_llm.session's user_id)."),
    "session": ("string", "Conversation id (gen_ai.conversation.id or session.id)."),
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


TRACE_QUERY = {
    **{k: v for k, v in LIST_QUERY.items() if k not in ("sort", "score")},
    "score": (
        "string",
        "Score filters, comma-separated ('helpfulness>=4'): traces holding a span with such a score.",
    ),
    "order": ({"type": "string", "enum": ["desc", "asc"]}, "desc (newest first, default) or asc."),
}
for _name in ("range", "since", "until"):
    TRACE_QUERY[_name] = (TRACE_QUERY[_name][0], TRACE_QUERY[_name][1].replace("spans", "traces"))
NODE_FIELDS = (
    "span_id",
    "parent_span_id",
    "name",
    "category",
    "is_llm",
    "status_code",
    "provider",
    "request_model",
    "response_model",
    "duration_ms",
    "input_tokens",
    "output_tokens",
    "cost_usd",
)


@api.get("/traces")
@require("viewer")
@api_doc(
    "List traces (one row per trace, newest first) with their totals, one keyset page at a time. "
    "Span filters keep the traces holding a matching span; the time range applies to the trace's start.",
    query=TRACE_QUERY,
    responses={
        200: "{items: [{trace_id, root_span_id, name, service_name, start_time, end_time, duration_ms, "
        "span_count, llm_calls, input_tokens, output_tokens, total_tokens, cost_usd, error, session_id, "
        "user_id, tags: [{prompt_name, prompt_version, experiment, variant}]}], next_cursor: string|null}",
        400: "A filter is invalid.",
    },
    tag="traces",
)
def list_traces():
    query = parse_trace_query(request.args)
    page = traces.list_traces(
        read_engine(), g.project_id, query.flt, query.descending, query.cursor, query.limit
    )
    return {"items": jsonable(page.items), "next_cursor": page.next_cursor}


@api.get("/traces/<trace_id>/tree")
@require("viewer")
@api_doc(
    "A trace as a tree: each node with its span's figures and its subtree totals "
    "(span_count, llm_calls, input_tokens, output_tokens, cost_usd)",
    params={"trace_id": "Trace id, 32 hex digits."},
    responses={
        200: "{trace_id, name, start_time, summary: {duration_ms, span_count, llm_calls, total_tokens, "
        "cost_usd, error...}, roots: [{span_id, name, category, start_offset_ms, duration_ms, ..., "
        "totals: {...}, children: [...]}]}",
        404: "No such trace.",
    },
    tag="traces",
)
def get_trace_tree(trace_id: str):
    tree = traces.trace_tree(read_engine(), g.project_id, trace_id)
    if tree is None:
        raise ApiError(404, "not_found", f"no trace {trace_id} in project {g.project_name}.")
    return {
        "trace_id": tree["trace_id"],
        "name": tree["name"],
        "start_time": tree["start_time"].isoformat(),
        "summary": jsonable(tree["summary"]),
        "roots": _nodes(tree["roots"], tree["start_time"]),
    }


def _nodes(roots: list[dict], start) -> list[dict]:
    """The tree as JSON-ready nested dicts, built without recursion (deep traces stay safe)."""
    out: dict[int, dict] = {}
    parent_of: dict[int, dict] = {}
    for node in flatten(roots):
        span = node["span"]
        item = {name: span.get(name) for name in NODE_FIELDS}
        item["start_offset_ms"] = round((span["start_time"] - start).total_seconds() * 1000, 3)
        item["totals"] = node["totals"]
        item["children"] = []
        out[id(node)] = item
        if id(node) in parent_of:
            parent_of[id(node)]["children"].append(item)
        parent_of.update((id(child), item) for child in node["children"])
    return [out[id(r)] for r in roots]
