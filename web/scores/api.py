"""``/api/v1/scores`` and ``/api/v1/score-configs``: the ``otel-llm scores`` commands as JSON routes."""

from __future__ import annotations

from flask import Blueprint, g
from otel_llm_server.web.access import require
from otel_llm_server.web.api import json_object, query_arg
from otel_llm_server.web.db import engine
from otel_llm_server.web.errors import ApiError
from otel_llm_server.web.openapi import api_doc

from otel_llm import scores
from otel_llm.storage.schema_scores import DATA_TYPES, SCORE_SOURCES

api = Blueprint("scores_api", __name__, url_prefix="/api/v1")

NAME_PARAM = {"score_name": "Score name, e.g. helpfulness."}
_TEXT = {"type": "string", "nullable": True}
CONFIG_SCHEMA = {
    "type": "object",
    "required": ["data_type"],
    "properties": {
        "data_type": {"type": "string", "enum": list(DATA_TYPES)},
        "min_value": {"type": "number", "nullable": True, "description": "Lowest numeric value (inclusive)."},
        "max_value": {
            "type": "number",
            "nullable": True,
            "description": "Highest numeric value (inclusive).",
        },
        "categories": {
            "type": "array",
            "nullable": True,
            "items": {"type": "string"},
            "maxItems": 100,
            "description": "A categorical score's categories.",
        },
        "description": {**_TEXT, "maxLength": 2000},
    },
}
SCORE_SCHEMA = {
    "type": "object",
    "required": ["name", "value"],
    "properties": {
        "name": {"type": "string", "description": "A declared score name (see /score-configs)."},
        "value": {
            "oneOf": [{"type": "number"}, {"type": "boolean"}, {"type": "string"}],
            "description": "A number on the config's scale, true/false, or a category.",
        },
        "span_id": {**_TEXT, "description": "16 hex digits."},
        "trace_id": {**_TEXT, "description": "32 hex digits; alone: a score on the whole trace."},
        "comment": _TEXT,
        "source": {
            "type": "string",
            "nullable": True,
            "enum": [*SCORE_SOURCES, None],
            "description": "Default: human for a signed-in user, api for an API key.",
        },
        "source_name": {**_TEXT, "maxLength": 200, "description": "Evaluator or channel, e.g. exact."},
        "source_version": {**_TEXT, "maxLength": 50},
    },
}
CONFIG_FIELDS = "{name, data_type, min_value, max_value, categories, description, scale, created_by, …}"
SCORE_FIELDS = "{id, trace_id, span_id, name, value, string_value, display, comment, source, author, …}"


@api.get("/score-configs")
@require("viewer")
@api_doc(
    "The project's score configs, by name", responses={200: f"{{items: [{CONFIG_FIELDS}]}}"}, tag="scores"
)
def list_configs():
    return {"items": [c.to_dict() for c in scores.list_configs(engine(), g.project_id)]}


@api.get("/score-configs/<score_name>")
@require("viewer")
@api_doc(
    "One score config",
    params=NAME_PARAM,
    responses={200: CONFIG_FIELDS, 404: "No such score config."},
    tag="scores",
)
def get_config(score_name: str):
    return scores.get_config(engine(), g.project_id, score_name).to_dict()


@api.put("/score-configs/<score_name>")
@require("editor")
@api_doc(
    "Declare a score or change its declaration (its type cannot change once it has scores)",
    params=NAME_PARAM,
    request=CONFIG_SCHEMA,
    responses={200: CONFIG_FIELDS, 409: "The score has scores of another type.", 422: "Invalid config."},
    tag="scores",
)
def set_config(score_name: str):
    body = json_object()
    config = scores.define_config(
        engine(),
        g.project_id,
        score_name,
        body["data_type"],
        min_value=body.get("min_value"),
        max_value=body.get("max_value"),
        categories=body.get("categories"),
        description=body.get("description") or "",
        actor=g.actor,
    )
    return config.to_dict()


@api.delete("/score-configs/<score_name>")
@require("editor")
@api_doc(
    "Remove a score config that has no scores",
    params=NAME_PARAM,
    responses={204: "Removed.", 404: "No such score config.", 409: "It has scores."},
    tag="scores",
)
def delete_config(score_name: str):
    scores.delete_config(engine(), g.project_id, score_name)
    return "", 204


@api.post("/scores")
@require("editor")
@api_doc(
    "Record a score on a span or a trace, checked against its config",
    request=SCORE_SCHEMA,
    responses={
        201: f"{{score: {SCORE_FIELDS}}}",
        404: "No such score config, or the span or trace is another project's.",
        422: "A value outside the config's scale, an unknown category or a bad id.",
    },
    tag="scores",
)
def add_score():
    body = json_object()
    source = body.get("source") or ("api" if g.user is None else "human")
    stored = scores.add_score(
        engine(),
        g.project_id,
        body["name"],
        body["value"],
        span_id=body.get("span_id"),
        trace_id=body.get("trace_id"),
        comment=body.get("comment"),
        source=source,
        source_name=body.get("source_name") or (None if g.user is None else "console"),
        source_version=body.get("source_version"),
        author=g.actor,
    )
    return {"score": stored.to_dict()}, 201


@api.get("/scores")
@require("viewer")
@api_doc(
    "Scores of the project, newest first, one keyset page at a time",
    query={
        "name": ("string", "Only this score name."),
        "span_id": ("string", "Only scores on this span."),
        "trace_id": ("string", "Only scores on this trace (its spans' included)."),
        "source": ({"type": "string", "enum": list(SCORE_SOURCES)}, "Only human, api or evaluator scores."),
        "eval_run_id": (
            {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
            "Only this evaluation run's.",
        ),
        "cursor": ("string", "next_cursor of the previous page."),
        "limit": ({"type": "integer", "minimum": 1, "maximum": 1000}, "Page size (default 100)."),
    },
    responses={200: f"{{items: [{SCORE_FIELDS}], next_cursor: string|null}}", 422: "A bad id or cursor."},
    tag="scores",
)
def list_scores():
    limit = query_arg("limit", 100)
    items = scores.list_scores(
        engine(),
        g.project_id,
        name=query_arg("name"),
        target=_target(query_arg("span_id"), query_arg("trace_id")),
        source=query_arg("source"),
        eval_run_id=query_arg("eval_run_id"),
        before_id=_cursor(query_arg("cursor")),
        limit=limit + 1,
    )
    next_cursor = str(items[limit - 1].id) if len(items) > limit else None
    return {"items": [s.to_dict() for s in items[:limit]], "next_cursor": next_cursor}


def _target(span_id: str | None, trace_id: str | None) -> scores.Target | None:
    return scores.make_target(span_id, trace_id) if span_id or trace_id else None


def _cursor(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        raise ApiError(422, "invalid", "invalid page cursor; start again from the first page.")
    return int(raw)


@api.get("/scores/<bigint:score_id>")
@require("viewer")
@api_doc(
    "One score",
    params={"score_id": "Score id."},
    responses={200: SCORE_FIELDS, 404: "No such score."},
    tag="scores",
)
def get_score(score_id: int):
    return scores.get_score(engine(), g.project_id, score_id).to_dict()


@api.delete("/scores/<bigint:score_id>")
@require("editor")
@api_doc(
    "Remove a score",
    params={"score_id": "Score id."},
    responses={204: "Removed.", 404: "No such score."},
    tag="scores",
)
def delete_score(score_id: int):
    scores.delete_score(engine(), g.project_id, score_id)
    return "", 204
