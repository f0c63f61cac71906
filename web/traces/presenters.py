"""Shaping spans for display and for JSON: message parts, the span tree as rows, JSON-safe rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from otel_llm_server.web.templating import format_cost, format_count, format_duration

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


# The trace view opens a subtree only this shallow and this small (plus the path to the selected
# span): a 2,000-span trace arrives as a few dozen rows, each <details> opens on demand.
OPEN_DEPTH = 2
OPEN_CHILDREN = 30
MAX_NESTING = 40  # deeper spans are shown at this level (with their real depth): templates recurse


def tree_nodes(tree: dict[str, Any], selected: str) -> tuple[list[dict[str, Any]], dict[str, dict]]:
    """The trace's tree as display nodes ``{span, depth, offset, width, totals, open, selected,
    children}`` (offset and width in % of the trace), and each span's subtree totals by span id."""
    start = tree["start_time"]
    end = max(s["end_time"] for s in tree["spans"])
    total = max((end - start).total_seconds(), 1e-6)
    parents = {s["span_id"]: s.get("parent_span_id") for s in tree["spans"]}
    on_path, current = set(), parents.get(selected)
    while current and current not in on_path:
        on_path.add(current)
        current = parents.get(current)
    home: dict[int, dict[str, Any]] = {}  # display node a node's children are listed under
    roots, totals = [], {}
    for node in flatten(tree["roots"]):
        span = node["span"]
        item = {
            "id": span["span_id"],
            "name": span["name"],
            "category": span.get("category") or "other",
            "bar": ("llm " if span.get("is_llm") else "")
            + ("error" if span.get("status_code") == "ERROR" else ""),
            "duration": format_duration(span.get("duration_ms")),
            "figures": _figures(node["totals"]),
            "depth": node["depth"],
            "offset": round((span["start_time"] - start).total_seconds() / total * 100, 2),
            "width": round(
                max((span["end_time"] - span["start_time"]).total_seconds() / total * 100, 0.3), 2
            ),
            "totals": node["totals"],
            "selected": span["span_id"] == selected,
            "open": span["span_id"] in on_path
            or (node["depth"] < OPEN_DEPTH and len(node["children"]) <= OPEN_CHILDREN),
            "children": [],
        }
        totals[span["span_id"]] = node["totals"]
        parent = home.get(id(node))
        (parent["children"] if parent is not None else roots).append(item)
        below = item if node["depth"] < MAX_NESTING else (parent or item)
        home.update((id(child), below) for child in node["children"])
    return roots, totals


def _figures(totals: dict[str, Any]) -> str:
    """Tokens and cost of a call, or of everything under a span ("" when none were recorded)."""
    tokens_in, tokens_out = totals["input_tokens"], totals["output_tokens"]
    if tokens_in is None and tokens_out is None:
        return ""
    return f"{format_count((tokens_in or 0) + (tokens_out or 0))} tok · {format_cost(totals['cost_usd'])}"


def jsonable(value: Any) -> Any:
    """Rows and views with datetimes as ISO 8601 strings."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
