"""Compact tool results: an agent's context is small, so rows keep what it needs to choose the next
call and long text is cut with a note saying how to get the rest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from otel_llm.traces.view import status_label

DEFAULT_MAX_CHARS = 2000
"""Longest text (a message, a template, an output) a tool returns unless asked for more."""
ERROR_CHARS = 300
"""Longest error message in a listing row."""


def truncate(text: Any, max_chars: int, how_to_get_more: str) -> Any:
    """``text`` cut to ``max_chars`` (0: no limit) with a note naming what is left and how to read it."""
    if not isinstance(text, str) or max_chars <= 0 or len(text) <= max_chars:
        return text
    left = len(text) - max_chars
    return f"{text[:max_chars]}… [{left} more characters; {how_to_get_more}]"


def truncate_all(value: Any, max_chars: int, how_to_get_more: str) -> Any:
    """Every string inside ``value`` (dicts and lists walked) cut as ``truncate`` does."""
    if isinstance(value, dict):
        return {k: truncate_all(v, max_chars, how_to_get_more) for k, v in value.items()}
    if isinstance(value, list):
        return [truncate_all(v, max_chars, how_to_get_more) for v in value]
    return truncate(value, max_chars, how_to_get_more)


def iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def span_row(row: dict[str, Any]) -> dict[str, Any]:
    """One line of a span listing: ids, what was called, outcome, size and tags (set fields only)."""
    tags = {k: row.get(k) for k in ("prompt_name", "prompt_version", "experiment", "variant") if row.get(k)}
    out = {
        "span_id": row["span_id"],
        "trace_id": row["trace_id"],
        "name": row["name"],
        "start_time": iso(row["start_time"]),
        "duration_ms": row.get("duration_ms"),
        "status": status_label(row.get("status_code")),
        "provider": row.get("provider"),
        "model": row.get("response_model") or row.get("request_model"),
        "input_tokens": row.get("input_tokens"),
        "output_tokens": row.get("output_tokens"),
        "cost_usd": row.get("cost_usd"),
        "error": truncate(row.get("status_message") or row.get("error_type"), ERROR_CHARS, "see get_span"),
        "tags": tags,
    }
    return {k: v for k, v in out.items() if v not in (None, {}, "")}


def jsonable(value: Any) -> Any:
    """Datetimes as ISO 8601 strings, everything else as is (dicts and lists walked)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return iso(value)
