"""Parent/child nesting of a trace's spans."""

from __future__ import annotations

from typing import Any


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
