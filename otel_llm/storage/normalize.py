"""Span → row: the one place where a span becomes a ``spans`` row.

Both the in-app exporter (SDK ``ReadableSpan``) and the collector (OTLP protobuf/JSON) first build a
neutral ``SpanRecord``; ``to_row`` then promotes the GenAI attributes into columns, computes
``system_prompt_hash`` and cost. Spans from other instrumentations go through ``foreign.to_semconv``
first, so they land in the same columns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from otel_llm import attributes as attrs
from otel_llm.hashing import text_hash
from otel_llm.pricing import PricingTable, default_table
from otel_llm.storage import foreign

# GenAI operations that are not model calls (agents and tools): stored, never counted as LLM calls.
NON_MODEL_OPERATIONS = ("invoke_agent", "create_agent", "execute_tool")


@dataclass
class SpanRecord:
    """A span in neutral form. Ids are lowercase hex; times are nanoseconds since the epoch."""

    trace_id: str
    span_id: str
    name: str
    start_ns: int
    end_ns: int
    parent_span_id: str | None = None
    kind: str = "INTERNAL"
    status_code: str = "UNSET"
    status_message: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    resource: dict[str, Any] = field(default_factory=dict)
    scope_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        """As JSON-ready data. Shallow (shares the attribute maps): ``asdict``'s deep copy cost
        half of the exporter's time."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SpanRecord:
        return cls(**data)


def from_readable(span) -> SpanRecord:
    """Neutral record of an OpenTelemetry SDK ``ReadableSpan``."""
    context = span.get_span_context()
    parent = span.parent
    scope = span.instrumentation_scope
    return SpanRecord(
        trace_id=format(context.trace_id, "032x"),
        span_id=format(context.span_id, "016x"),
        parent_span_id=format(parent.span_id, "016x") if parent is not None else None,
        name=span.name,
        kind=span.kind.name,
        start_ns=span.start_time or 0,
        end_ns=span.end_time or span.start_time or 0,
        status_code=span.status.status_code.name,
        status_message=span.status.description,
        attributes=_plain(dict(span.attributes or {})),
        events=[
            {"name": e.name, "time_unix_nano": e.timestamp, "attributes": _plain(dict(e.attributes or {}))}
            for e in span.events
        ],
        resource=_plain(dict(span.resource.attributes)) if span.resource else {},
        scope_name=scope.name if scope else None,
    )


def _plain(mapping: dict[str, Any]) -> dict[str, Any]:
    """Attribute values as JSON values (SDK sequences are tuples)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in mapping.items()}


_INT32 = 2**31 - 1


def _int(value: Any) -> int | None:
    """An integer column value; None when missing, unparsable or absurd (outside the INTEGER range)."""
    try:
        number = None if value is None else int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number is not None and -_INT32 <= number <= _INT32 else None


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _str(value: Any, limit: int = 200) -> str | None:
    return None if value is None else str(value)[:limit]


def _timestamp(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC)


def system_text(attributes: dict[str, Any]) -> str | None:
    """The system instructions' text, from ``gen_ai.system_instructions`` (parts joined by newlines)."""
    raw = attributes.get(attrs.GEN_AI_SYSTEM_INSTRUCTIONS)
    if raw is None:
        return None
    try:
        parts = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return str(raw)
    if isinstance(parts, str):
        return parts
    if isinstance(parts, dict):
        parts = [parts]
    found = [p.get("content") for p in parts if isinstance(p, dict) and p.get("type", "text") == "text"]
    texts = [t for t in found if isinstance(t, str)]
    return "\n".join(texts) if texts else None


def _first(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value


def to_row(record: SpanRecord, project_id: int, pricing: PricingTable | None = None) -> dict[str, Any]:
    """The ``spans`` row for a record (keys: ``schema.SPAN_COLUMNS``)."""
    a = foreign.to_semconv(record.attributes)
    provider = a.get(attrs.GEN_AI_PROVIDER_NAME) or a.get(attrs.GEN_AI_SYSTEM)
    operation = a.get(attrs.GEN_AI_OPERATION_NAME)
    request_model = a.get(attrs.GEN_AI_REQUEST_MODEL)
    response_model = a.get(attrs.GEN_AI_RESPONSE_MODEL)
    input_tokens = _int(a.get(attrs.GEN_AI_USAGE_INPUT_TOKENS))
    output_tokens = _int(a.get(attrs.GEN_AI_USAGE_OUTPUT_TOKENS))
    cache_read = _int(a.get(attrs.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS))
    cache_write = _int(
        a.get(
            attrs.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, a.get(attrs.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS)
        )
    )
    system = system_text(a)
    is_llm = bool(operation or provider) and operation not in NON_MODEL_OPERATIONS
    cost = None
    if is_llm:
        cost = (pricing or default_table()).cost(
            response_model or request_model,
            input_tokens,
            output_tokens,
            cache_read,
            cache_write,
            provider=provider,
            at=_timestamp(record.start_ns),
            reasoning_tokens=_int(a.get(attrs.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS)),
        )
    return {
        "project_id": project_id,
        "trace_id": record.trace_id,
        "span_id": record.span_id,
        "parent_span_id": record.parent_span_id,
        "name": record.name,
        "kind": record.kind,
        "start_time": _timestamp(record.start_ns),
        "end_time": _timestamp(record.end_ns),
        "duration_ms": max(record.end_ns - record.start_ns, 0) / 1e6,
        "status_code": record.status_code,
        "status_message": record.status_message,
        "service_name": _str(record.resource.get("service.name")),
        "scope_name": _str(record.scope_name),
        "is_llm": is_llm,
        "category": "llm" if is_llm else "other",
        "provider": _str(provider, 64),
        "operation": _str(operation, 64),
        "request_model": _str(request_model),
        "response_model": _str(response_model),
        "temperature": _float(a.get(attrs.GEN_AI_REQUEST_TEMPERATURE)),
        "max_tokens": _int(a.get(attrs.GEN_AI_REQUEST_MAX_TOKENS)),
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_read_tokens": cache_read,
        "cache_write_tokens": cache_write,
        "cost_usd": cost,
        "finish_reason": _str(_first(a.get(attrs.GEN_AI_RESPONSE_FINISH_REASONS)), 64),
        "error_type": _str(a.get(attrs.ERROR_TYPE)),
        "prompt_name": _str(a.get(attrs.GEN_AI_PROMPT_NAME)),
        "prompt_version": _str(a.get(attrs.GEN_AI_PROMPT_VERSION), 32),
        "prompt_hash": _str(a.get(attrs.PROMPT_HASH), 64),
        "system_prompt_hash": a.get(attrs.SYSTEM_PROMPT_HASH)
        or (text_hash(system) if system is not None else None),
        "experiment": _str(a.get(attrs.EXPERIMENT)),
        "variant": _str(a.get(attrs.EXPERIMENT_VARIANT)),
        "replay_of": _str(a.get(attrs.REPLAY_OF), 16),
        "evaluation": _str(a.get(attrs.EVALUATION), 16),
        "session_id": _str(a.get(attrs.GEN_AI_CONVERSATION_ID) or a.get(attrs.SESSION_ID)),
        "user_id": _str(a.get(attrs.USER_ID) or a.get(attrs.ENDUSER_ID)),
        "attributes": a,
        "events": record.events,
        "resource": record.resource,
    }


def should_store(record: SpanRecord) -> bool:
    """Spans marked as duplicates of one of ours (SDK-native Anthropic spans) are not stored."""
    return not record.attributes.get(attrs.DUPLICATE)
