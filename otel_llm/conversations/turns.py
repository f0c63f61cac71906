"""A conversation's turns in order: each a trace, with its root span's name, the user's input (the
last user message of its first LLM call), the answer (the output of its last LLM call), its
duration, totals and scores."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select

from otel_llm.conversations import cursor as cursors
from otel_llm.conversations.errors import ConversationNotFound
from otel_llm.conversations.listing import Page
from otel_llm.conversations.scoring import ScoreSummary, summaries
from otel_llm.providers.neutral import message_text
from otel_llm.storage.schema import spans
from otel_llm.storage.timeutil import as_utc
from otel_llm.traces.query import spans_by_keys
from otel_llm.traces.tree import build_tree
from otel_llm.traces.view import span_view

MAX_LIMIT = 200
TEXT_LIMIT = 2000  # characters of input and answer a turn carries
_CURSOR_KIND = "turns"
_TRACE_COLUMNS = [
    spans.c[name]
    for name in (
        "trace_id",
        "span_id",
        "parent_span_id",
        "name",
        "start_time",
        "end_time",
        "status_code",
        "is_llm",
        "input_tokens",
        "output_tokens",
        "cost_usd",
    )
]


@dataclass
class Turn:
    number: int  # 1 for the conversation's first trace
    trace_id: str
    root_span_id: str
    root_name: str
    start_time: datetime
    duration_ms: float
    spans: int
    llm_calls: int
    tokens: int
    cost_usd: float | None
    errors: int
    user_input: str | None
    answer: str | None
    scores: list[ScoreSummary] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "scores"}
        return {**data, "scores": [s.to_dict() for s in self.scores]}


def _first() -> Any:
    return func.min(spans.c.start_time)


def list_turns(
    engine: Engine, project_id: int, session_id: str, cursor: str | None = None, limit: int = 20
) -> Page:
    """One page of the conversation's turns, oldest first; ``ConversationNotFound`` without any."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    c = spans.c
    grouped = (
        select(c.trace_id, _first().label("first"))
        .where(c.project_id == project_id, c.session_id == session_id, c.evaluation.is_(None))
        .group_by(c.trace_id)
    )
    page_query = grouped
    if cursor:
        first, trace_id = cursors.decode(cursor, _CURSOR_KIND)
        page_query = grouped.having(or_(_first() > first, and_(_first() == first, c.trace_id > trace_id)))
    page_query = page_query.order_by(_first(), c.trace_id).limit(limit + 1)
    with engine.connect() as conn:
        rows = conn.execute(page_query).all()
        if not rows and not cursor:
            raise ConversationNotFound(session_id)
        before = _turns_before(conn, grouped, cursor)
        ids = [r.trace_id for r in rows[:limit]]
        turns = _turns(conn, engine, project_id, ids, before)
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = cursors.encode(_CURSOR_KIND, last.first, last.trace_id)
    return Page(items=turns, next_cursor=next_cursor)


def _turns_before(conn, grouped, cursor: str | None) -> int:
    """How many turns come before the page (so turn numbers run on across pages)."""
    if not cursor:
        return 0
    first, trace_id = cursors.decode(cursor, _CURSOR_KIND)
    sub = grouped.subquery()
    key = or_(sub.c.first < first, and_(sub.c.first == first, sub.c.trace_id <= trace_id))
    return int(conn.execute(select(func.count()).select_from(sub).where(key)).scalar_one())


def _turns(conn, engine: Engine, project_id: int, ids: list[str], before: int) -> list[Turn]:
    if not ids:
        return []
    stmt = select(*_TRACE_COLUMNS).where(spans.c.project_id == project_id, spans.c.trace_id.in_(ids))
    by_trace: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in conn.execute(stmt):
        data = dict(row._mapping)
        data["start_time"], data["end_time"] = as_utc(data["start_time"]), as_utc(data["end_time"])
        by_trace[data["trace_id"]].append(data)
    texts = _texts(engine, project_id, by_trace)
    scores = summaries(conn, project_id, {trace_id: [trace_id] for trace_id in ids})
    return [
        _turn(before + n, by_trace[trace_id], texts.get(trace_id, (None, None)), scores[trace_id])
        for n, trace_id in enumerate(ids, start=1)
    ]


def _turn(number: int, rows: list[dict[str, Any]], texts, scores: list[ScoreSummary]) -> Turn:
    root = build_tree(rows)[0]["span"]
    llm = [r for r in rows if r["is_llm"]]
    costs = [r["cost_usd"] for r in rows if r["cost_usd"] is not None]
    start, end = min(r["start_time"] for r in rows), max(r["end_time"] for r in rows)
    return Turn(
        number=number,
        trace_id=root["trace_id"],
        root_span_id=root["span_id"],
        root_name=root["name"],
        start_time=start,
        duration_ms=max((end - start).total_seconds() * 1000, 0.0),
        spans=len(rows),
        llm_calls=len(llm),
        tokens=sum((r["input_tokens"] or 0) + (r["output_tokens"] or 0) for r in llm),
        cost_usd=sum(costs) if costs else None,
        errors=sum(1 for r in rows if (r["status_code"] or "").upper() == "ERROR"),
        user_input=texts[0],
        answer=texts[1],
        scores=scores,
    )


def _texts(engine: Engine, project_id: int, by_trace) -> dict[str, tuple[str | None, str | None]]:
    """``{trace_id: (user input, answer)}`` from each trace's first and last LLM call."""
    ends: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {}
    for trace_id, rows in by_trace.items():
        llm = sorted((r for r in rows if r["is_llm"]), key=lambda r: (r["start_time"], r["span_id"]))
        if llm:
            ends[trace_id] = ((trace_id, llm[0]["span_id"]), (trace_id, llm[-1]["span_id"]))
    keys = [key for pair in ends.values() for key in pair]
    full = {(r["trace_id"], r["span_id"]): r for r in spans_by_keys(engine, project_id, keys)}
    found = {}
    for trace_id, (first, last) in ends.items():
        found[trace_id] = (_user_input(full.get(first)), _answer(full.get(last)))
    return found


def _user_input(row: dict[str, Any] | None) -> str | None:
    if row is None:
        return None
    messages = span_view(row)["input_messages"]
    if isinstance(messages, list):
        for message in reversed(messages):
            if isinstance(message, dict) and message.get("role") == "user":
                return _short(message_text(message))
    return None


def _answer(row: dict[str, Any] | None) -> str | None:
    if row is None:
        return None
    messages = span_view(row)["output_messages"]
    if isinstance(messages, list):
        text = "".join(message_text(m) for m in messages if isinstance(m, dict))
        return _short(text)
    return None


def _short(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"
