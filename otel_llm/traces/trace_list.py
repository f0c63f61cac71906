"""Traces as rows: one per trace, with its totals, in keyset pages (newest first by default).

A trace's *root* is its earliest span (start time, then span id): the span without a parent in a
well-formed trace, and still one row per trace when the app's own root span is not stored. The page
is chosen over roots only (``ix_spans_project_start`` drives it, the primary key answers "is there an
earlier span of this trace"), then the totals are added up over the spans of the page's traces only:
the cost of a page does not grow with the project.

A span filter (``SpanFilter``) keeps the traces whose root started in ``since``/``until`` and that
hold at least one span matching every other condition (model, provider, status, tags, text, scores).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, and_, case, exists, func, or_, select, tuple_

from otel_llm.storage.schema import spans
from otel_llm.storage.timeutil import as_utc
from otel_llm.traces import query
from otel_llm.traces.query import Page, SpanFilter
from otel_llm.traces.tree import MODEL_CATEGORIES, add_totals, build_tree, flatten

TAG_COLUMNS = ("prompt_name", "prompt_version", "experiment", "variant")

_root = spans.alias("root")
_earlier = spans.alias("earlier")


def list_traces(
    engine: Engine,
    project_id: int,
    flt: SpanFilter | None = None,
    descending: bool = True,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """One page of traces: ``{trace_id, root_span_id, name, service_name, start_time, end_time,
    duration_ms, span_count, llm_calls, input_tokens, output_tokens, total_tokens, cost_usd,
    error, session_id, user_id, tags: [{prompt_name, prompt_version, experiment, variant}]}``."""
    limit = max(1, min(int(limit), query.MAX_LIMIT))
    stmt = roots_query(project_id, flt or SpanFilter(), descending, cursor, limit + 1)
    with engine.connect() as connection:
        roots = connection.execute(stmt).all()
        page = roots[:limit]
        ids = [r.trace_id for r in page]
        totals = _totals(connection, project_id, ids)
        tags = _tags(connection, project_id, ids)
    items = [_item(r, totals.get(r.trace_id, {}), tags.get(r.trace_id, [])) for r in page]
    next_cursor = None
    if len(roots) > limit:
        last = page[-1]
        next_cursor = query.encode_cursor("trace", last.start_time, last.trace_id, last.span_id)
    return Page(items=items, next_cursor=next_cursor)


def roots_query(project_id: int, flt: SpanFilter, descending: bool, cursor: str | None, limit: int) -> Select:
    """The SELECT of a page's root spans (also timed by ``bench/trace_view.py``)."""
    r = _root.c
    is_root = ~exists().where(
        _earlier.c.project_id == r.project_id,
        _earlier.c.trace_id == r.trace_id,
        or_(
            _earlier.c.start_time < r.start_time,
            and_(_earlier.c.start_time == r.start_time, _earlier.c.span_id < r.span_id),
        ),
    )
    terms = [r.project_id == project_id, is_root]
    if flt.since is not None:
        terms.append(r.start_time >= query._utc(flt.since))
    if flt.until is not None:
        terms.append(r.start_time < query._utc(flt.until))
    member = query.conditions(project_id, replace(flt, since=None, until=None, llm_only=False))[1:]
    if member:  # a span of the trace matches the other conditions
        terms.append(
            exists().where(spans.c.project_id == r.project_id, spans.c.trace_id == r.trace_id, *member)
        )
    if cursor:
        terms.append(_after(decode_cursor(cursor), descending))
    order = [r.start_time, r.trace_id]
    stmt = select(r.trace_id, r.span_id, r.name, r.service_name, r.start_time).where(*terms)
    return stmt.order_by(*[o.desc() if descending else o.asc() for o in order]).limit(limit)


def _after(position: tuple[datetime, str], descending: bool):
    value, trace_id = position
    key = tuple_(_root.c.start_time, _root.c.trace_id)
    if descending:
        return and_(_root.c.start_time <= value, key < (value, trace_id))
    return and_(_root.c.start_time >= value, key > (value, trace_id))


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    value, trace_id, _ = query.decode_cursor(cursor, "trace")
    return query._utc(value), trace_id


def _model_call():
    return or_(spans.c.is_llm, spans.c.category.in_(MODEL_CATEGORIES))


def totals_columns() -> list:
    """Aggregates of a set of spans (one trace, or a subtree): shared by the list and the tree."""
    c = spans.c
    model = _model_call()
    return [
        func.count().label("span_count"),
        func.sum(case((c.is_llm, 1), else_=0)).label("llm_calls"),
        func.sum(case((model, c.input_tokens), else_=None)).label("input_tokens"),
        func.sum(case((model, c.output_tokens), else_=None)).label("output_tokens"),
        func.sum(case((model, c.cost_usd), else_=None)).label("cost_usd"),
        func.min(c.start_time).label("first_start"),
        func.max(c.end_time).label("last_end"),
        func.max(case((c.status_code == "ERROR", 1), else_=0)).label("errors"),
        func.max(c.session_id).label("session_id"),
        func.max(c.user_id).label("user_id"),
    ]


def _totals(connection, project_id: int, trace_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not trace_ids:
        return {}
    stmt = (
        select(spans.c.trace_id, *totals_columns())
        .where(spans.c.project_id == project_id, spans.c.trace_id.in_(trace_ids))
        .group_by(spans.c.trace_id)
    )
    return {row.trace_id: dict(row._mapping) for row in connection.execute(stmt)}


def _tags(connection, project_id: int, trace_ids: list[str]) -> dict[str, list[dict[str, str]]]:
    """The distinct prompt / experiment tags present in each trace."""
    if not trace_ids:
        return {}
    columns = [spans.c[name] for name in TAG_COLUMNS]
    stmt = (
        select(spans.c.trace_id, *columns)
        .where(
            spans.c.project_id == project_id,
            spans.c.trace_id.in_(trace_ids),
            or_(spans.c.prompt_name.is_not(None), spans.c.experiment.is_not(None)),
        )
        .distinct()
        .order_by(spans.c.trace_id, *columns)
    )
    found: dict[str, list[dict[str, str]]] = {}
    for row in connection.execute(stmt):
        tag = {name: row._mapping[name] for name in TAG_COLUMNS if row._mapping[name] is not None}
        found.setdefault(row.trace_id, []).append(tag)
    return found


def _item(root, totals: dict[str, Any], tags: list[dict[str, str]]) -> dict[str, Any]:
    item = {
        "trace_id": root.trace_id,
        "root_span_id": root.span_id,
        "name": root.name,
        "service_name": root.service_name,
        "tags": tags,
        **summary(totals),
    }
    item["start_time"] = as_utc(root.start_time)
    return item


def summary(totals: dict[str, Any]) -> dict[str, Any]:
    """A ``totals_columns`` row as what a reader sees: times, duration, counts, tokens, cost, error."""
    first, last = totals.get("first_start"), totals.get("last_end")
    first = as_utc(first) if first is not None else None
    last = as_utc(last) if last is not None else None
    tokens_in, tokens_out = totals.get("input_tokens"), totals.get("output_tokens")
    known = [t for t in (tokens_in, tokens_out) if t is not None]
    return {
        "end_time": last,
        "duration_ms": round((last - first).total_seconds() * 1000, 3) if first and last else None,
        "span_count": int(totals.get("span_count") or 0),
        "llm_calls": int(totals.get("llm_calls") or 0),
        "input_tokens": int(tokens_in) if tokens_in is not None else None,
        "output_tokens": int(tokens_out) if tokens_out is not None else None,
        "total_tokens": int(sum(known)) if known else None,
        "cost_usd": round(float(totals["cost_usd"]), 10) if totals.get("cost_usd") is not None else None,
        "error": bool(totals.get("errors")),
        "session_id": totals.get("session_id"),
        "user_id": totals.get("user_id"),
    }


def trace_tree(engine: Engine, project_id: int, trace_id: str) -> dict[str, Any] | None:
    """A trace as a tree: ``{trace_id, roots, summary, spans}`` (None when no span is stored). Nodes
    carry their subtree ``totals``; rows are list columns only (``get_span`` has the content)."""
    rows = query.trace_spans(engine, project_id, trace_id, full=False)
    if not rows:
        return None
    roots = build_tree(rows)
    add_totals(roots)
    totals = {
        "span_count": len(rows),
        "first_start": min(r["start_time"] for r in rows),
        "last_end": max(r["end_time"] for r in rows),
        "errors": any(r.get("status_code") == "ERROR" for r in rows),
        "session_id": next((r["session_id"] for r in rows if r.get("session_id")), None),
        "user_id": next((r["user_id"] for r in rows if r.get("user_id")), None),
    }
    for key in ("llm_calls", "input_tokens", "output_tokens", "cost_usd"):
        values = [n["totals"][key] for n in roots if n["totals"][key] is not None]
        totals[key] = sum(values) if values else None
    head = roots[0]["span"]
    return {
        "trace_id": head["trace_id"],
        "name": head["name"],
        "service_name": head.get("service_name"),
        "start_time": totals["first_start"],
        "summary": summary(totals),
        "roots": roots,
        "spans": rows,
    }


def subtree_totals(engine: Engine, project_id: int, trace_id: str, span_id: str) -> dict[str, Any] | None:
    """The totals of span ``span_id`` and everything under it in its trace (None if not there)."""
    tree = trace_tree(engine, project_id, trace_id)
    wanted = span_id.strip().lower()
    found = (n for n in flatten(tree["roots"]) if n["span"]["span_id"] == wanted) if tree else iter(())
    node = next(found, None)
    return node["totals"] if node is not None else None
