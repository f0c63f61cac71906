"""HTML pages of the traces area: the Traces list (one row per trace), the trace view (tree,
timeline, side panel), the LLM calls list and the span page."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request
from otel_llm_server.web.access import can, require
from otel_llm_server.web.db import read_engine
from otel_llm_server.web.traces.filters import RANGES, parse_list_query, parse_trace_query
from otel_llm_server.web.traces.presenters import message_list, tree_nodes, tree_rows
from otel_llm_server.web.traces.tabs import span_tabs

from otel_llm import traces
from otel_llm.replay import store as replay_store
from otel_llm.scores.listing import column_names
from otel_llm.traces import overview

bp = Blueprint("traces", __name__, url_prefix="/traces", template_folder="templates")
calls_bp = Blueprint("calls", __name__, url_prefix="/calls", template_folder="templates")


def _list_context(query) -> dict:
    return {
        "query": query,
        "options": overview.filter_options(read_engine(), g.project_id),
        "ranges": list(RANGES),
    }


@bp.get("")
@require("viewer")
def index():
    query = parse_trace_query(request.args)
    page = traces.list_traces(
        read_engine(), g.project_id, query.flt, query.descending, query.cursor, query.limit
    )
    has_any = bool(page.items) or overview.has_spans(read_engine(), g.project_id)
    return render_template("traces/index.html", page=page, has_any=has_any, **_list_context(query))


@calls_bp.get("", endpoint="index")
@require("viewer")
def llm_calls():
    query = parse_list_query(request.args)
    page = traces.list_spans(
        read_engine(), g.project_id, query.flt, query.sort, query.descending, query.cursor, query.limit
    )
    return render_template(
        "traces/calls.html",
        page=page,
        score_columns=column_names(query.flt.scores),
        has_any=bool(page.items) or overview.has_spans(read_engine(), g.project_id),
        **_list_context(query),
    )


@bp.get("/span/<span_id>")
@require("viewer")
def span(span_id: str):
    row = traces.get_span(read_engine(), g.project_id, span_id)
    if row is None:
        abort(404, description=f"no span {span_id} in project {g.project_name}.")
    view = traces.span_view(row)
    trace = traces.trace_spans(read_engine(), g.project_id, row["trace_id"], full=False)
    tabs = [tab for tab in span_tabs() if can(tab.role)]
    return render_template(
        "traces/span.html",
        span=view,
        inputs=message_list(view["input_messages"]),
        outputs=message_list(view["output_messages"]),
        tree=tree_rows(trace, row["span_id"]) if len(trace) > 1 else [],
        tabs=tabs,
        tab_context={tab.name: (tab.context(view) if tab.context else {}) for tab in tabs},
    )


@bp.get("/trace/<trace_id>")
@require("viewer")
def trace(trace_id: str):
    """The trace view: its tree with a timeline, and the selected span (``?span=``, else the root)
    in a side panel that trace-view.js refreshes without a page change."""
    tree = traces.trace_tree(read_engine(), g.project_id, trace_id)
    if tree is None:
        abort(404, description=f"no trace {trace_id} in project {g.project_name}.")
    by_id = {s["span_id"]: s for s in tree["spans"]}
    selected = request.args.get("span", "").strip().lower()
    selected = selected if selected in by_id else tree["roots"][0]["span"]["span_id"]
    nodes, totals = tree_nodes(tree, selected)
    return render_template(
        "traces/trace.html",
        tree=tree,
        nodes=nodes,
        runs=replay_store.list_runs(read_engine(), g.project_id, limit=10, trace_id=tree["trace_id"]),
        **_panel_context(tree["trace_id"], selected, totals.get(selected)),
    )


@bp.get("/trace/<trace_id>/panel/<span_id>")
@require("viewer")
def trace_panel(trace_id: str, span_id: str):
    """The side panel of one span of the trace, as an HTML fragment (fetched by trace-view.js)."""
    span_id = span_id.strip().lower()
    totals = traces.subtree_totals(read_engine(), g.project_id, trace_id, span_id)
    if totals is None:
        abort(404, description=f"no span {span_id} in trace {trace_id} of project {g.project_name}.")
    return render_template("traces/_panel.html", **_panel_context(trace_id.strip().lower(), span_id, totals))


def _panel_context(trace_id: str, span_id: str, subtree: dict | None) -> dict:
    rows = traces.spans_by_keys(read_engine(), g.project_id, [(trace_id, span_id)])
    view = traces.span_view(rows[0])
    return {
        "span": view,
        "subtree": subtree,
        "inputs": message_list(view["input_messages"]),
        "outputs": message_list(view["output_messages"]),
    }
