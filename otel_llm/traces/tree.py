"""Parent/child nesting of a trace's spans."""

from __future__ import annotations

from typing import Any

# Spans whose tokens and cost are a model's (an agent span's own usage attributes, when an
# instrumentation adds them up, would count its children twice).
MODEL_CATEGORIES = ("llm", "embedding")


def build_tree(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nested nodes ``{"span": row, "depth": n, "children": [...]}`` for rows of one trace.

    Spans whose parent is not stored (e.g. a web framework span we do not keep) become roots, so
    nothing is hidden. Siblings keep start order. A cycle in bad data cannot loop: each span is
    placed once.
    """
    ordered = sorted(spans, key=lambda s: (s["start_time"], s["span_id"]))
    nodes: dict[str, dict[str, Any]] = {
        s["span_id"]: {"span": s, "depth": 0, "children": []} for s in ordered
    }
    roots: list[dict[str, Any]] = []
    for span in ordered:
        parent = nodes.get(span.get("parent_span_id") or "")
        if parent is None or parent["span"] is span or _is_descendant(parent, span["span_id"], nodes):
            roots.append(nodes[span["span_id"]])
        else:
            parent["children"].append(nodes[span["span_id"]])
    for root in roots:
        _set_depth(root, 0)
    return roots


def _is_descendant(node: dict, span_id: str, nodes: dict) -> bool:
    """Whether ``node`` already hangs (transitively) under ``span_id``."""
    seen = set()
    parent_id = node["span"].get("parent_span_id")
    while parent_id and parent_id not in seen:
        if parent_id == span_id:
            return True
        seen.add(parent_id)
        parent = nodes.get(parent_id)
        parent_id = parent["span"].get("parent_span_id") if parent else None
    return False


def _set_depth(node: dict, depth: int) -> None:
    stack = [(node, depth)]
    while stack:
        current, level = stack.pop()
        current["depth"] = level
        stack.extend((child, level + 1) for child in current["children"])


def flatten(roots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Depth-first list of nodes (for rendering an indented tree as rows)."""
    out: list[dict[str, Any]] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node["children"]))
    return out


def add_totals(roots: list[dict[str, Any]]) -> None:
    """Set ``node["totals"]`` on every node: its subtree's span count, LLM calls, model tokens and
    cost (``MODEL_CATEGORIES``: an agent's own usage attributes are not added again)."""
    for node in reversed(flatten(roots)):  # children before their parent
        span = node["span"]
        own = _is_model_call(span)
        totals = {
            "span_count": 1,
            "llm_calls": 1 if span.get("is_llm") else 0,
            "input_tokens": span.get("input_tokens") if own else None,
            "output_tokens": span.get("output_tokens") if own else None,
            "cost_usd": span.get("cost_usd") if own else None,
        }
        for child in node["children"]:
            for key, value in child["totals"].items():
                if value is not None:
                    totals[key] = value if totals[key] is None else totals[key] + value
        node["totals"] = totals


def _is_model_call(span: dict[str, Any]) -> bool:
    return bool(span.get("is_llm")) or span.get("category") in MODEL_CATEGORIES
