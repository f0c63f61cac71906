"""HTML pages of the traces area."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request
from otel_llm_server.web.access import can, require
from otel_llm_server.web.db import engine
from otel_llm_server.web.traces.filters import RANGES, parse_list_query
from otel_llm_server.web.traces.presenters import message_list, tree_rows
from otel_llm_server.web.traces.tabs import span_tabs

from otel_llm import traces
from otel_llm.scores.listing import column_names
from otel_llm.traces import overview

bp = Blueprint("traces", __name__, url_prefix="/traces", template_folder="templates")


@bp.get("")
@require("viewer")
def index():
    query = parse_list_query(request.args)
    page = traces.list_spans(
        engine(), g.project_id, query.flt, query.sort, query.descending, query.cursor, query.limit
    )
    return render_template(
        "traces/index.html",
        page=page,
        query=query,
        score_columns=column_names(query.flt.scores),
        options=overview.filter_options(engine(), g.project_id),
        ranges=list(RANGES),
        has_any=bool(page.items) or overview.has_spans(engine(), g.project_id),
    )


@bp.get("/span/<span_id>")
@require("viewer")
def span(span_id: str):
    row = traces.get_span(engine(), g.project_id, span_id)
    if row is None:
        abort(404, description=f"no span {span_id} in project {g.project_name}.")
    view = traces.span_view(row)
    trace = traces.trace_spans(engine(), g.project_id, row["trace_id"])
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
