"""Shaping spans for display and for JSON: message parts, the span tree as rows, JSON-safe rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from otel_llm.traces.tree import build_tree, flatten


def message_list(messages: Any) -> list[dict[str, Any]]:
    """GenAI-semconv messages as ``[{"role", "texts": [...], "others": [...]}]``: text parts to show as
    text, every other part (tool calls, images…) kept as data for a JSON view."""
    if not isinstance(messages, list):
        return [] if messages in (None, "") else [{"role": "content", "texts": [str(messages)], "others": []}]
    shown = []
    for message in messages:
        if not isinstance(message, dict):
            shown.append({"role": "content", "texts": [str(message)], "others": []})
            continue
        texts, others = [], []
        for part in message.get("parts") or []:
            if isinstance(part, dict) and part.get("type") == "text":
                texts.append(str(part.get("content", "")))
            else:
                others.append(part)
        if "content" in message and not message.get("parts"):
            texts.append(
                message["content"] if isinstance(message["content"], str) else str(message["content"])
            )
        shown.append({"role": str(message.get("role", "")), "texts": texts, "others": others})
    return shown


def tree_rows(spans: list[dict[str, Any]], current_span_id: str) -> list[dict[str, Any]]:
    """The trace as indented rows with a timeline bar (offset and width in % of the trace)."""
    if not spans:
        return []
    start = min(s["start_time"] for s in spans)
    end = max(s["end_time"] for s in spans)
    total = max((end - start).total_seconds(), 1e-6)
    rows = []
    for node in flatten(build_tree(spans)):
        span = node["span"]
        offset = (span["start_time"] - start).total_seconds() / total * 100
        width = (span["end_time"] - span["start_time"]).total_seconds() / total * 100
        rows.append(
            {
                "span": span,
                "depth": node["depth"],
                "offset": round(offset, 2),
                "width": round(max(width, 0.3), 2),
                "current": span["span_id"] == current_span_id,
            }
        )
    return rows


def jsonable(value: Any) -> Any:
    """Rows and views with datetimes as ISO 8601 strings."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
