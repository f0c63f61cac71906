"""Traces service: listing, looking up and decoding stored spans. The CLI and the console call these.

- ``list_spans(engine, project_id, SpanFilter(...), sort=..., cursor=...) -> Page`` (keyset pages),
- ``get_span(engine, project_id, span_id)``, ``trace_spans(engine, project_id, trace_id)``,
  ``spans_by_keys(engine, project_id, [(trace_id, span_id), ...])``,
- ``list_traces(engine, project_id, SpanFilter(...), cursor=...) -> Page`` (one row per trace, with totals),
- ``trace_tree(engine, project_id, trace_id)`` (the tree with subtree totals, for the trace view and CLI),
- ``build_tree(spans)`` (parent/child nesting), ``span_view(row)`` (what a user wants to read).
"""

from otel_llm.traces.query import (
    SORTS,
    STATUSES,
    InvalidCursor,
    Page,
    SpanFilter,
    get_span,
    list_spans,
    spans_by_keys,
    trace_spans,
)
from otel_llm.traces.trace_list import list_traces, subtree_totals, trace_tree
from otel_llm.traces.tree import build_tree
from otel_llm.traces.view import span_view

__all__ = [
    "SORTS",
    "STATUSES",
    "InvalidCursor",
    "Page",
    "SpanFilter",
    "build_tree",
    "get_span",
    "list_spans",
    "list_traces",
    "span_view",
    "spans_by_keys",
    "subtree_totals",
    "trace_spans",
    "trace_tree",
]
