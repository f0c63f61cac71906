"""``/api/v1/spans/<id>/replay``, ``/api/v1/replays`` and ``/api/v1/replay-runs``: the replay service
as JSON (the same calls as the pages and the CLI)."""

from __future__ import annotations

from flask import Blueprint, g
from otel_llm_server.web.access import require
from otel_llm_server.web.api import json_object, query_arg
from otel_llm_server.web.db import engine
from otel_llm_server.web.errors import ApiError
from otel_llm_server.web.openapi import api_doc
from otel_llm_server.web.replays import background
from otel_llm_server.web.replays.views import base_url
from otel_llm_server.web.traces.presenters import jsonable
from otel_llm_server.web.validation import BIGINT_ID_SCHEMA, ID_MAX

from otel_llm import providers
from otel_llm.replay import Overrides, store
from otel_llm.replay import batch as batch_service
from otel_llm.replay.detail import replay_detail, run_detail
from otel_llm.replay.run import replay_span

api = Blueprint("replays_api", __name__, url_prefix="/api/v1")

OVERRIDES_SCHEMA = {
    "type": "object",
    "description": "What to change; an empty object replays the original request as it was.",
    "properties": {
        "model": {"type": "string"},
        "provider": {"type": "string", "enum": list(providers.names())},
        "temperature": {
            "type": "number",
            "minimum": providers.temperature_bounds()[0],
            "maximum": providers.temperature_bounds()[1],
        },
        "max_tokens": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
        "system_prompt": {"type": "string"},
        "prompt": {
            "type": "string",
            "description": "Prompt-registry reference NAME@vN used as system prompt.",
        },
        "no_cache": {"type": "boolean", "description": "Remove prompt-cache markers."},
    },
}
SELECTION_SCHEMA = {
    "type": "object",
    "properties": {
        "prompt": {"type": "string", "description": "NAME, NAME@vN or NAME@label."},
        "model": {"type": "string"},
        "provider": {"type": "string"},
        "since": {"type": "string", "description": "Age such as 30m, 12h, 7d, 2w."},
        "experiment": {"type": "string"},
        "variant": {"type": "string"},
        "limit": {"type": "integer", "minimum": 1, "maximum": batch_service.MAX_LIMIT},
    },
}
LIMIT_QUERY = (
    {"type": "integer", "minimum": 1, "maximum": store.MAX_LIST, "default": 50},
    f"How many, 1–{store.MAX_LIST} (default 50).",
)


def _overrides(body: dict) -> Overrides:
    return Overrides.from_json(body.get("overrides", {}))


@api.post("/spans/<span_id>/replay")
@require("editor")
@api_doc(
    "Replay a stored span, as it was or with overrides, and compare",
    params={"span_id": "Span id (16 hex digits) of the original call."},
    request={
        "type": "object",
        "properties": {
            "overrides": OVERRIDES_SCHEMA,
            "dry_run": {
                "type": "boolean",
                "description": "Return the request that would be sent; send nothing.",
            },
        },
    },
    responses={
        201: "The replay: status ok|error, the replay span, warnings and the comparison.",
        200: "Dry run: the request that would be sent.",
        404: "No such span in this project.",
        422: "The span cannot be replayed (e.g. no captured content) or an override is invalid.",
    },
    tag="replays",
)
def replay(span_id: str):
    body = json_object()
    dry_run = body.get("dry_run", False)
    result = replay_span(
        engine(), g.project_id, span_id, _overrides(body), actor=g.actor, dry_run=dry_run, base_url=base_url()
    )
    return jsonable(result.to_json()), 200 if dry_run else 201


@api.get("/replays")
@require("viewer")
@api_doc(
    "List replays, newest first",
    query={
        "span_id": ("string", "Only replays of this original span."),
        "run_id": (BIGINT_ID_SCHEMA, "Only replays of this batch run."),
        "limit": LIMIT_QUERY,
    },
    responses={200: "{items: [replay]}"},
    tag="replays",
)
def list_replays():
    items = store.list_replays(
        engine(),
        g.project_id,
        run_id=query_arg("run_id"),
        original_span_id=query_arg("span_id"),
        limit=query_arg("limit", 50),
    )
    return {"items": jsonable(items)}


@api.get("/replays/<bigint:replay_id>")
@require("viewer")
@api_doc(
    "One replay with the comparison of its two spans",
    params={"replay_id": "Replay id."},
    responses={200: "{replay, comparison}", 404: "No such replay in this project."},
    tag="replays",
)
def get_replay(replay_id: int):
    detail = replay_detail(engine(), g.project_id, replay_id)
    if detail is None:
        raise ApiError(
            404, "not_found", f"no replay {replay_id} in this project; list them at /api/v1/replays."
        )
    return jsonable({"replay": detail["replay"], "comparison": detail["comparison"]})


@api.post("/replay-runs")
@require("editor")
@api_doc(
    "Start a batch replay run (regression run) over a selection of stored spans",
    request={
        "type": "object",
        "properties": {
            "selection": SELECTION_SCHEMA,
            "overrides": OVERRIDES_SCHEMA,
            "concurrency": {"type": "integer", "minimum": 1, "maximum": batch_service.MAX_CONCURRENCY},
        },
    },
    responses={
        202: "The run (status running); poll GET /api/v1/replay-runs/{run_id} for its summary.",
        422: "Nothing matches the selection, or an override is invalid.",
    },
    tag="replays",
)
def start_run():
    body = json_object()
    selection = body.get("selection", {})
    concurrency = body.get("concurrency", background.DEFAULT_CONCURRENCY)
    run_id = background.start(
        engine(),
        g.project_id,
        batch_service.Selection.from_json(selection),
        _overrides(body),
        g.actor,
        concurrency=concurrency,
        base_url=base_url(),
    )
    return jsonable(store.get_run(engine(), g.project_id, run_id)), 202


@api.get("/replay-runs")
@require("viewer")
@api_doc(
    "List batch replay runs, newest first",
    query={"limit": LIMIT_QUERY},
    responses={200: "{items: [run]}"},
    tag="replays",
)
def list_runs():
    return {"items": jsonable(store.list_runs(engine(), g.project_id, query_arg("limit", 50)))}


@api.get("/replay-runs/<bigint:run_id>")
@require("viewer")
@api_doc(
    "One batch replay run: its summary and its replays",
    params={"run_id": "Run id."},
    responses={200: "{run, replays}", 404: "No such run in this project."},
    tag="replays",
)
def get_run(run_id: int):
    detail = run_detail(engine(), g.project_id, run_id)
    if detail is None:
        raise ApiError(
            404, "not_found", f"no replay run {run_id} in this project; list them at /api/v1/replay-runs."
        )
    return jsonable(detail)
