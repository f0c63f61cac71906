"""``/api/v1/prompts`` and ``/api/v1/feedback``: the CLI's commands as JSON routes.

Every route calls one function of the registry (``otel_llm.prompts``) with ``g.project_id``; a prompt
of another project is simply not found (404).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g
from otel_llm_server.web.access import require
from otel_llm_server.web.api import json_object, query_arg, string_field
from otel_llm_server.web.db import engine
from otel_llm_server.web.errors import ApiError
from otel_llm_server.web.openapi import api_doc
from otel_llm_server.web.validation import ID_MAX

from otel_llm import feedback as feedback_service
from otel_llm.prompts import catalog, includes, labels, metrics, setup, versions
from otel_llm.prompts import diff as prompt_diff
from otel_llm.prompts.content import validate_config
from otel_llm.prompts.names import PromptRef, validate_label

api = Blueprint("prompts_api", __name__, url_prefix="/api/v1")

NAME = {"name": "Prompt name."}
NAME_VERSION = {"name": "Prompt name.", "version": "Version number (1, 2, 3…)."}
VERSION_SCHEMA = "{version: {name, version, kind, template_format, template, messages, tools, response_format, config, variables, includes, version_hash, config_hash, content_hash, parent_version, change_summary, tags, author, created_at, archived, labels, published}}"
MESSAGE = {
    "type": "object",
    "required": ["role", "content"],
    "properties": {
        "role": {"type": "string", "enum": ["system", "user", "assistant", "tool"]},
        "content": {"type": "string", "description": "A template in the prompt's format."},
        "tool_call_id": {"type": "string", "description": "The call a tool message answers."},
        "tool_calls": {"type": "array", "items": {"type": "object"}},
    },
}
VERSION_NUMBER = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
PROTECTED = "The label is protected and the caller's role may not move it (Settings → Labels)."
MOVE_SCHEMA = "{move: {label, action, from_version, to_version, actor, created_at, changed}}"


def _items(rows) -> dict[str, Any]:
    return {"items": [r.to_dict() for r in rows], "next_cursor": None}


def _version_arg(name: str) -> int:
    value = query_arg(name)
    if value is None:
        raise ApiError(400, "bad_request", f"give the '{name}' query argument, e.g. {name}=2.")
    return value


@api.get("/prompts")
@require("viewer")
@api_doc(
    "List the project's prompts",
    responses={
        200: "{items: [{name, versions, latest_version, published_version, labels}], next_cursor: null}"
    },
    tag="prompts",
)
def list_prompts():
    return _items(catalog.list_prompts(engine(), g.project_id))


@api.get("/prompts/<name>/versions")
@require("viewer")
@api_doc(
    "List the versions of a prompt, newest first",
    params=NAME,
    query={"hide_archived": ("boolean", "Leave archived versions out.")},
    responses={200: "{items: [version], next_cursor: null}", 404: "No such prompt."},
    tag="prompts",
)
def list_versions(name: str):
    hide = query_arg("hide_archived", False)
    return _items(versions.list_versions(engine(), g.project_id, name, include_archived=not hide))


@api.post("/prompts/<name>/versions")
@require("editor")
@api_doc(
    "Create the next version of a prompt (the prompt is created on first use)",
    params=NAME,
    request={
        "type": "object",
        "properties": {
            "template": {"type": "string", "description": "Prompt text with {{variables}} (≤ 1 MiB)."},
            "messages": {
                "type": "array",
                "items": MESSAGE,
                "description": "A chat prompt instead of a template: messages, each a template.",
            },
            "tools": {
                "type": "array",
                "items": {"type": "object"},
                "description": "Tool definitions: {name, description, parameters (JSON Schema)}.",
            },
            "response_format": {
                "type": "object",
                "nullable": True,
                "description": "Structured output: {name, schema (JSON Schema), strict}.",
            },
            "format": {"type": "string", "enum": ["simple", "jinja2"], "description": "Template format."},
            "config": {
                "type": "object",
                "description": "Model config: provider, model, temperature, max_tokens… (other keys are kept).",
            },
            "change_summary": {"type": "string", "description": "What changed."},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
    },
    responses={201: VERSION_SCHEMA, 409: "Identical to the latest version.", 422: "Invalid input."},
    tag="prompts",
)
def create_version(name: str):
    body = json_object()
    document = {
        k: body[k] for k in ("template", "messages", "tools", "response_format", "format") if k in body
    }
    if "messages" not in body and "template" not in body:
        raise ApiError(400, "bad_request", "give 'template' (a text prompt) or 'messages' (a chat prompt).")
    if "messages" not in body:
        document["template"] = string_field(body, "template")
    document["config"] = validate_config(body.get("config"))
    version = versions.create_version(
        engine(),
        g.project_id,
        name,
        summary=body.get("change_summary", ""),
        tags=body.get("tags", []),
        author=g.actor,
        **setup.from_document(document),
    )
    return {"version": version.to_dict()}, 201


@api.get("/prompts/<name>/references")
@require("viewer")
@api_doc(
    "The versions of other prompts that include this one",
    params=NAME,
    responses={200: "{items: [{name, version, ref, included_version}], next_cursor: null}"},
    tag="prompts",
)
def references(name: str):
    return _items(includes.referencing(engine(), g.project_id, name))


@api.get("/prompts/<name>/versions/<int:version>")
@require("viewer")
@api_doc(
    "One version of a prompt",
    params=NAME_VERSION,
    responses={200: VERSION_SCHEMA, 404: "No such version."},
    tag="prompts",
)
def get_version(name: str, version: int):
    return {"version": versions.get_version(engine(), g.project_id, name, version).to_dict()}


@api.get("/prompts/<name>/resolve")
@require("viewer")
@api_doc(
    "The version a label or number names (what otel_llm.get_prompt fetches)",
    params=NAME,
    query={
        "label": ("string", "A label, e.g. production (the default) or staging; 'latest' for the newest."),
        "version": (VERSION_NUMBER, "A version number instead of a label."),
    },
    responses={200: VERSION_SCHEMA, 404: "No such prompt, label or version."},
    tag="prompts",
)
def resolve(name: str):
    number = query_arg("version")
    label = query_arg("label") or "production"
    ref = PromptRef(name, version=number) if number else PromptRef(name, label=label)
    return {"version": versions.resolve(engine(), g.project_id, ref, strict_label=True).to_dict()}


@api.post("/prompts/<name>/versions/<int:version>/publish")
@require("editor")
@api_doc(
    "Publish a version (move the production label to it)",
    params=NAME_VERSION,
    responses={200: MOVE_SCHEMA, 403: PROTECTED, 404: "No such version.", 409: "The version is archived."},
    tag="prompts",
)
def publish(name: str, version: int):
    return {"move": labels.publish(engine(), g.project_id, name, version, g.actor, role=g.role).to_dict()}


@api.put("/prompts/<name>/labels/<label>")
@require("editor")
@api_doc(
    "Point a label at a version",
    params={"name": "Prompt name.", "label": "Label, e.g. staging (production publishes)."},
    request={"type": "object", "required": ["version"], "properties": {"version": VERSION_NUMBER}},
    responses={
        200: MOVE_SCHEMA,
        403: PROTECTED,
        404: "No such prompt or version.",
        409: "The version is archived.",
    },
    tag="prompts",
)
def set_label(name: str, label: str):
    version = json_object()["version"]
    versions.list_versions(engine(), g.project_id, name)  # 404 for an unknown prompt before input checks
    move = labels.set_label(engine(), g.project_id, name, version, label, g.actor, role=g.role)
    return {"move": move.to_dict()}


@api.delete("/prompts/<name>/labels/<label>")
@require("editor")
@api_doc(
    "Remove a label (production cannot be removed)",
    params={"name": "Prompt name.", "label": "Label to remove."},
    responses={200: MOVE_SCHEMA, 403: PROTECTED, 404: "No such prompt.", 409: "The label is not set."},
    tag="prompts",
)
def remove_label(name: str, label: str):
    return {
        "move": labels.remove_label(
            engine(), g.project_id, name, validate_label(label), g.actor, role=g.role
        ).to_dict()
    }


@api.post("/prompts/<name>/rollback")
@require("editor")
@api_doc(
    "Publish the previously published version (or 'to')",
    params=NAME,
    request={
        "type": "object",
        "properties": {"to": {**VERSION_NUMBER, "description": "Version to publish instead."}},
    },
    responses={200: MOVE_SCHEMA, 403: PROTECTED, 404: "No such prompt.", 409: "Nothing to roll back to."},
    tag="prompts",
)
def rollback(name: str):
    to = json_object().get("to")
    versions.list_versions(engine(), g.project_id, name)  # 404 first
    move = labels.rollback(engine(), g.project_id, name, g.actor, to=to, role=g.role)
    return {"move": move.to_dict()}


@api.post("/prompts/<name>/versions/<int:version>/archive")
@require("editor")
@api_doc(
    'Archive a version, or restore it with {"archived": false}',
    params=NAME_VERSION,
    request={"type": "object", "properties": {"archived": {"type": "boolean", "default": True}}},
    responses={200: VERSION_SCHEMA, 404: "No such version.", 409: "The version carries a label."},
    tag="prompts",
)
def archive(name: str, version: int):
    archived = json_object().get("archived", True)
    return {"version": versions.set_archived(engine(), g.project_id, name, version, archived).to_dict()}


@api.post("/prompts/<name>/versions/<int:version>/duplicate")
@require("editor")
@api_doc(
    "Create a new version from an older one",
    params=NAME_VERSION,
    responses={201: VERSION_SCHEMA, 404: "No such version.", 409: "Identical to the latest."},
    tag="prompts",
)
def duplicate(name: str, version: int):
    return {
        "version": versions.duplicate_version(engine(), g.project_id, name, version, g.actor).to_dict()
    }, 201


@api.get("/prompts/<name>/diff")
@require("viewer")
@api_doc(
    "Unified diff (template, then config) of two versions",
    params=NAME,
    query={"a": (VERSION_NUMBER, "First version."), "b": (VERSION_NUMBER, "Second version.")},
    responses={
        200: "{a: version, b: version, unified: [line]}",
        400: "a or b missing.",
        404: "No such version.",
    },
    tag="prompts",
)
def diff(name: str):
    versions.list_versions(engine(), g.project_id, name)  # 404 first
    a = versions.get_version(engine(), g.project_id, name, _version_arg("a"))
    b = versions.get_version(engine(), g.project_id, name, _version_arg("b"))
    return {"a": a.to_dict(), "b": b.to_dict(), "unified": prompt_diff.unified(a, b)}


@api.get("/prompts/<name>/stats")
@require("viewer")
@api_doc(
    "Per-version calls, success rate, feedback, p50/p95 latency, tokens and cost",
    params=NAME,
    query={
        "since": ("string", "Time window: 30m, 24h, 7d (default), 2w or all."),
        "user": ("string", "Only this end user's calls."),
    },
    responses={
        200: "{since, items: [{version, calls, errors, success_rate, avg_feedback, p50_ms, p95_ms, …}]}",
        404: "No such prompt.",
    },
    tag="prompts",
)
def stats(name: str):
    versions.list_versions(engine(), g.project_id, name)  # 404 first
    since = query_arg("since", "7d")
    user = query_arg("user", "") or None
    rows = metrics.version_metrics(engine(), g.project_id, name, since=metrics.parse_window(since), user=user)
    return {"since": since, "user": user, "items": [m.to_dict() for m in rows]}


@api.get("/prompts/<name>/history")
@require("viewer")
@api_doc(
    "Every label move of a prompt (who, when, from, to), newest first",
    params=NAME,
    responses={200: "{items: [move], next_cursor: null}", 404: "No such prompt."},
    tag="prompts",
)
def history(name: str):
    return _items(labels.label_history(engine(), g.project_id, name))


@api.post("/feedback")
@require("editor")
@api_doc(
    "Record a feedback score on a span or a trace",
    request={
        "type": "object",
        "required": ["score"],
        "properties": {
            "span_id": {"type": "string", "nullable": True, "description": "16 hex digits."},
            "trace_id": {"type": "string", "nullable": True, "description": "32 hex digits."},
            "score": {"type": "number"},
            "comment": {"type": "string", "nullable": True},
        },
    },
    responses={
        201: "{feedback: {id, trace_id, span_id, score, comment, source, created_at}}",
        404: "The span or trace is stored in another project only.",
        422: "Invalid input.",
    },
    tag="feedback",
)
def add_feedback():
    body = json_object()
    target = _target(body)
    stored = feedback_service.add_feedback(
        engine(), g.project_id, target, body["score"], body.get("comment"), source=_source()
    )
    return {"feedback": stored.to_dict()}, 201


def _target(body: dict[str, Any]) -> feedback_service.Target:
    span_id, trace_id = body.get("span_id"), body.get("trace_id")
    if span_id:
        target = feedback_service.parse_target(span_id)
        if trace_id:
            return feedback_service.Target(feedback_service.parse_target(trace_id).trace_id, target.span_id)
        return target
    if trace_id:
        return feedback_service.parse_target(trace_id)
    raise ApiError(422, "invalid", "give 'span_id' (16 hex digits) or 'trace_id' (32 hex digits).")


def _source() -> str:
    return "api" if g.user is None else "console"


@api.get("/feedback")
@require("viewer")
@api_doc(
    "Feedback of the project, newest first (of one span or trace when given)",
    query={
        "span_id": ("string", "Only feedback on this span."),
        "trace_id": ("string", "Only feedback on this trace."),
        "limit": (
            {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
            "How many (default 100, at most 1000).",
        ),
    },
    responses={200: "{items: [feedback], next_cursor: null}", 422: "A bad id."},
    tag="feedback",
)
def list_feedback():
    span_id, trace_id = query_arg("span_id"), query_arg("trace_id")
    target = feedback_service.parse_target(span_id or trace_id) if (span_id or trace_id) else None
    limit = query_arg("limit", 100)
    return _items(feedback_service.list_feedback(engine(), g.project_id, target, limit=limit))
