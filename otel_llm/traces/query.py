"""Queries over stored spans, with keyset pagination (never OFFSET: page 1000 costs what page 1 does).

A page's ``next_cursor`` is an opaque token encoding the last row's (sort value, trace_id, span_id);
the next page continues strictly after that row in the same order, so rows inserted meanwhile never
shift or repeat what the reader sees.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, and_, func, or_, select, true, tuple_

from otel_llm.scores import listing as score_listing
from otel_llm.storage.schema import spans
from otel_llm.storage.timeutil import as_utc
from otel_llm.storage.vocabulary import SORTS, STATUSES

MAX_LIMIT = 1000

# What a list row carries: every promoted column; the JSON columns only come with get_span/trace_spans.
LIST_COLUMNS = [c for c in spans.c if c.name not in ("attributes", "events", "resource")]
# What a trace's tree needs of each span (a 2,000-span trace reads only these).
TREE_COLUMNS = [
    spans.c[name]
    for name in (
        *("trace_id", "span_id", "parent_span_id", "name", "start_time", "end_time", "duration_ms"),
        *("status_code", "service_name", "is_llm", "category", "provider", "request_model", "response_model"),
        *("input_tokens", "output_tokens", "cost_usd", "replay_of", "session_id", "user_id"),
    )
]


class InvalidCursor(ValueError):
    pass


@dataclass
class SpanFilter:
    """Which spans to list. Empty fields do not filter; ``model`` matches request or response model.
    ``scores`` (``otel_llm.scores.listing.parse_selection("helpfulness>=4, exact")``) adds a column
    per score name to each listed row (``row["scores"]``) and keeps the spans matching each condition."""

    since: datetime | None = None
    until: datetime | None = None
    provider: str | None = None
    model: str | None = None
    status: str | None = None
    prompt_name: str | None = None
    prompt_version: str | None = None
    experiment: str | None = None
    variant: str | None = None
    user: str | None = None  # spans.user_id (otel_llm.session, user.id / enduser.id)
    session: str | None = None  # spans.session_id (gen_ai.conversation.id / session.id)
    text: str | None = None
    llm_only: bool = True
    scores: tuple[score_listing.ScoreCondition, ...] = ()  # columns, and filters where a condition is given

    def __post_init__(self) -> None:
        if self.status and self.status.lower() not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; use one of {', '.join(STATUSES)}.")


@dataclass
class Page:
    items: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def conditions(project_id: int, flt: SpanFilter) -> list[ColumnElement[bool]]:
    """WHERE terms for a filter (shared with other areas' aggregate queries)."""
    c = spans.c
    terms: list[ColumnElement[bool]] = [c.project_id == project_id]
    if flt.llm_only:
        terms.append(c.is_llm == true())  # `is_llm` on Postgres: matches partial indexes
    if flt.since is not None:
        terms.append(c.start_time >= _utc(flt.since))
    if flt.until is not None:
        terms.append(c.start_time < _utc(flt.until))
    if flt.model:
        terms.append(or_(c.request_model == flt.model, c.response_model == flt.model))
    if flt.status:
        failed = c.status_code == "ERROR"
        terms.append(failed if flt.status.lower() == "error" else or_(c.status_code.is_(None), ~failed))
    for name in ("provider", "prompt_name", "prompt_version", "experiment", "variant"):
        value = getattr(flt, name)
        if value:
            terms.append(c[name] == value)
    for name, column in (("user", c.user_id), ("session", c.session_id)):
        if getattr(flt, name):
            terms.append(column == getattr(flt, name))
    if flt.text:
        terms.append(c.name.icontains(flt.text, autoescape=True))
    terms += [score_listing.span_condition(project_id, s) for s in score_listing.filters(flt.scores)]
    return terms


def _sort_expression(sort: str, descending: bool) -> ColumnElement:
    if sort == "time":
        return spans.c.start_time
    if sort == "duration":
        return spans.c.duration_ms
    if sort == "cost":  # unknown cost sorts last either way
        return func.coalesce(spans.c.cost_usd, -1.0 if descending else 1e18)
    raise ValueError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}.")


def list_spans(
    engine: Engine,
    project_id: int,
    flt: SpanFilter | None = None,
    sort: str = "time",
    descending: bool = True,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """One page of spans (dicts of the promoted columns), newest / longest / costliest first by default."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    flt = flt or SpanFilter()
    stmt = list_query(project_id, flt, sort, descending, cursor, limit + 1)
    with engine.connect() as connection:
        rows = connection.execute(stmt).all()
        items = [_row_dict(r) for r in rows[:limit]]
        score_listing.page_values(connection, project_id, items, score_listing.column_names(flt.scores))
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(sort, last._sort, last.trace_id, last.span_id)
    for item in items:
        item.pop("_sort", None)
    return Page(items=items, next_cursor=next_cursor)


def list_query(
    project_id: int, flt: SpanFilter, sort: str, descending: bool, cursor: str | None, limit: int
) -> Select:
    """The SELECT behind ``list_spans`` (also used by ``bench/explain_indexes.py``)."""
    key = _sort_expression(sort, descending)
    stmt = select(*LIST_COLUMNS, key.label("_sort")).where(*conditions(project_id, flt))
    if cursor:
        stmt = stmt.where(_after(key, decode_cursor(cursor, sort), descending))
    order = [key, spans.c.trace_id, spans.c.span_id]
    return stmt.order_by(*[o.desc() if descending else o.asc() for o in order]).limit(limit)


def _after(key: ColumnElement, position: tuple[Any, str, str], descending: bool) -> ColumnElement[bool]:
    """Rows strictly after ``position`` in the listing order. The extra single-column bound lets
    Postgres use it as an index condition (row comparisons only do when the index matches them)."""
    value, trace_id, span_id = position
    if descending:
        return and_(key <= value, tuple_(key, spans.c.trace_id, spans.c.span_id) < (value, trace_id, span_id))
    return and_(key >= value, tuple_(key, spans.c.trace_id, spans.c.span_id) > (value, trace_id, span_id))


def encode_cursor(sort: str, value: Any, trace_id: str, span_id: str) -> str:
    if isinstance(value, datetime):
        value = _utc(value).isoformat()
    raw = json.dumps([sort, value, trace_id, span_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, value, trace_id, span_id = json.loads(raw)
        if kind != sort or not isinstance(trace_id, str) or not isinstance(span_id, str):
            raise ValueError("cursor of another listing")
        value = datetime.fromisoformat(value) if sort in ("time", "trace") else float(value)
    except (ValueError, TypeError) as exc:
        raise InvalidCursor("invalid or outdated page cursor; start again from the first page.") from exc
    return value, trace_id, span_id


def get_span(engine: Engine, project_id: int, span_id: str) -> dict[str, Any] | None:
    """The full row of span ``span_id`` (hex); the newest if several traces reuse the id."""
    stmt = (
        select(spans)
        .where(spans.c.project_id == project_id, spans.c.span_id == span_id.strip().lower())
        .order_by(spans.c.start_time.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        row = connection.execute(stmt).first()
    return _row_dict(row) if row is not None else None


def spans_by_keys(engine: Engine, project_id: int, keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The full rows of the (trace_id, span_id) pairs that exist in the project, in the order asked."""
    wanted = [(t.strip().lower(), s.strip().lower()) for t, s in keys]
    if not wanted:
        return []
    stmt = select(spans).where(
        spans.c.project_id == project_id, tuple_(spans.c.trace_id, spans.c.span_id).in_(wanted)
    )
    with engine.connect() as connection:
        found = {(r.trace_id, r.span_id): _row_dict(r) for r in connection.execute(stmt)}
    return [found[k] for k in dict.fromkeys(wanted) if k in found]


def trace_spans(engine: Engine, project_id: int, trace_id: str, full: bool = True) -> list[dict[str, Any]]:
    """Every stored span of a trace (full rows, or ``TREE_COLUMNS`` without ``full``), in start
    order, ready for ``build_tree``."""
    stmt = (
        select(*(spans.c if full else TREE_COLUMNS))
        .where(spans.c.project_id == project_id, spans.c.trace_id == trace_id.strip().lower())
        .order_by(spans.c.start_time, spans.c.span_id)
    )
    with engine.connect() as connection:
        return [_row_dict(r) for r in connection.execute(stmt)]


def _row_dict(row) -> dict[str, Any]:
    data = dict(row._mapping)
    for name in ("start_time", "end_time"):
        if name in data:
            data[name] = as_utc(data[name])
    return data
