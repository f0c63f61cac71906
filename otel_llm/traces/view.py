"""``span_view``: a stored span decoded into what a user wants to read on a span page."""

from __future__ import annotations

import json
from typing import Any

from otel_llm import attributes as attrs
from otel_llm.storage.normalize import system_text

# Request parameters recorded as ``gen_ai.request.*`` attributes, by display name.
_PARAMETER_ATTRIBUTES = {
    "temperature": attrs.GEN_AI_REQUEST_TEMPERATURE,
    "max_tokens": attrs.GEN_AI_REQUEST_MAX_TOKENS,
    "top_p": attrs.GEN_AI_REQUEST_TOP_P,
    "stop_sequences": attrs.GEN_AI_REQUEST_STOP_SEQUENCES,
    "seed": attrs.GEN_AI_REQUEST_SEED,
}
# Keys of the request record's ``params`` (``instrumentation.common.record``) that are content or
# identity, not sampling parameters.
_CONTENT_KEYS = {"messages", "system", "instructions", "input", "prompt", "tools", "model", "stream"}


def decode_json(value: Any) -> Any:
    """A JSON-encoded attribute as Python data; other values (and invalid JSON) unchanged."""
    if isinstance(value, str) and value[:1] in ("[", "{", '"'):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# A tool call's name, id, arguments and result: GenAI conventions first, then OpenInference's and
# OpenLLMetry's equivalents (the first attribute present wins).
_TOOL_ATTRIBUTES = {
    "name": ("gen_ai.tool.name", "tool.name", "traceloop.entity.name"),
    "call_id": ("gen_ai.tool.call.id", "tool_call.id"),
    "description": ("gen_ai.tool.description", "tool.description"),
    "arguments": ("gen_ai.tool.call.arguments", "tool.parameters", "input.value", "traceloop.entity.input"),
    "result": ("gen_ai.tool.call.result", "output.value", "traceloop.entity.output"),
}
# Input and output of other non-model spans (agents, chains, retrievals) where an instrumentation records them.
_IO_ATTRIBUTES = {
    "input": ("input.value", "traceloop.entity.input"),
    "output": ("output.value", "traceloop.entity.output"),
}


def _first(a: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((decode_json(a[k]) for k in keys if a.get(k) not in (None, "")), None)


def tool_call(row: dict[str, Any]) -> dict[str, Any] | None:
    """``{name, call_id, description, arguments, result}`` of a tool span (None for other spans)."""
    a = row.get("attributes") or {}
    if row.get("category") != "tool" and not any(a.get(k) for k in _TOOL_ATTRIBUTES["arguments"][:2]):
        return None
    return {field: _first(a, keys) for field, keys in _TOOL_ATTRIBUTES.items()}


def span_io(row: dict[str, Any]) -> dict[str, Any] | None:
    """The recorded input and output of a non-model span, when its instrumentation stores them."""
    a = row.get("attributes") or {}
    found = {field: _first(a, keys) for field, keys in _IO_ATTRIBUTES.items()}
    return found if any(v is not None for v in found.values()) else None


UNNAMED_SERVICE_HINT = "set OTEL_SERVICE_NAME in the app to name it"


def status_label(code: str | None) -> str:
    """OK or ERROR, as a user reads a span's outcome; OpenTelemetry's UNSET (no error seen) is OK."""
    return "ERROR" if (code or "").upper() == "ERROR" else "OK"


def service_hint(service_name: str | None) -> str | None:
    """A hint when the app did not name its service (the SDK's ``unknown_service:python``), else None."""
    if not service_name or service_name.startswith("unknown_service"):
        return UNNAMED_SERVICE_HINT
    return None


def span_view(row: dict[str, Any]) -> dict[str, Any]:
    """Everything a span page shows, decoded from a full ``spans`` row (``get_span``)."""
    a = row.get("attributes") or {}
    request = decode_json(a.get(attrs.REQUEST))
    input_messages = decode_json(a.get(attrs.GEN_AI_INPUT_MESSAGES))
    request = request if isinstance(request, dict) else None
    return {
        "span_id": row["span_id"],
        "trace_id": row["trace_id"],
        "parent_span_id": row.get("parent_span_id"),
        "name": row["name"],
        "service_name": row.get("service_name"),
        "service_hint": service_hint(row.get("service_name")),
        "category": row.get("category"),
        "is_llm": bool(row.get("is_llm")),
        "tool": tool_call(row),
        "io": None if row.get("is_llm") else span_io(row),
        "session_id": row.get("session_id"),
        "user_id": row.get("user_id"),
        "provider": row.get("provider"),
        "operation": row.get("operation"),
        "request_model": row.get("request_model"),
        "response_model": row.get("response_model"),
        "start_time": row["start_time"],
        "end_time": row.get("end_time"),
        "duration_ms": row.get("duration_ms"),
        "status": {
            "label": status_label(row.get("status_code")),
            "code": row.get("status_code"),
            "message": row.get("status_message"),
            "error_type": row.get("error_type"),
        },
        "finish_reason": row.get("finish_reason"),
        "api": (request or {}).get("api"),
        "stream": (request or {}).get("stream", a.get(attrs.STREAM)),
        "time_to_first_chunk_ms": a.get(attrs.TIME_TO_FIRST_CHUNK_MS),
        "parameters": parameters(a, request),
        "system": system_text(a),
        "system_in_messages": _has_system_message(input_messages),
        "input_messages": input_messages,
        "output_messages": decode_json(a.get(attrs.GEN_AI_OUTPUT_MESSAGES)),
        "tools": decode_json(a.get(attrs.GEN_AI_TOOL_DEFINITIONS)) or _request_params(request).get("tools"),
        "content_truncated": bool(a.get(attrs.CONTENT_TRUNCATED)),
        "tokens": {
            "input": row.get("input_tokens"),
            "output": row.get("output_tokens"),
            "cache_read": row.get("cache_read_tokens"),
            "cache_write": row.get("cache_write_tokens"),
        },
        "cost_usd": row.get("cost_usd"),
        "tags": tags(row),
        "request": request,
        "attributes": a,
        "events": row.get("events") or [],
        "resource": row.get("resource") or {},
    }


def parameters(a: dict[str, Any], request: dict[str, Any] | None) -> dict[str, Any]:
    """Sampling parameters: from the request record when present (every parameter the app sent),
    else from the ``gen_ai.request.*`` attributes."""
    found = {name: a[key] for name, key in _PARAMETER_ATTRIBUTES.items() if a.get(key) is not None}
    params = _request_params(request)
    found.update({k: v for k, v in params.items() if k not in _CONTENT_KEYS and v is not None})
    return found


def _request_params(request: dict[str, Any] | None) -> dict[str, Any]:
    """The keyword arguments the app passed (``{"api", "params", "content", "stream"}`` record)."""
    params = (request or {}).get("params")
    return params if isinstance(params, dict) else {}


def tags(row: dict[str, Any]) -> dict[str, Any]:
    """Prompt and experiment tags (only those set)."""
    keys = ("prompt_name", "prompt_version", "prompt_hash", "system_prompt_hash", "experiment", "variant")
    found = {k: row.get(k) for k in keys if row.get(k) is not None}
    if row.get("replay_of"):
        found["replay_of"] = row["replay_of"]
    return found


def _has_system_message(messages: Any) -> bool:
    """Whether the system instructions travel inside the input messages (chat-history APIs such as
    OpenAI Chat Completions), where the console already shows them in order."""
    return isinstance(messages, list) and any(
        isinstance(m, dict) and m.get("role") in ("system", "developer") for m in messages
    )
