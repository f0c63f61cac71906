"""Conversations as list rows: GROUP BYs over the spans that carry a session id, keyset pages.

A page's session ids come from the partial index ``ix_spans_project_session`` (project, session,
start) alone; the totals are then summed for those sessions only. Spans made to evaluate
(``evaluation``) do not count in the totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, case, func, or_, select, true

from otel_llm.conversations import cursor as cursors
from otel_llm.conversations.errors import ConversationNotFound
from otel_llm.conversations.scoring import ScoreSummary, summaries
from otel_llm.storage.schema import spans
from otel_llm.storage.timeutil import as_utc

MAX_LIMIT = 200
_CURSOR_KIND = "sessions"


@dataclass
class ConversationFilter:
    """Which conversations to list; empty fields do not filter. ``user``: spans of that end user;
    ``since`` / ``until``: spans started in that window."""

    user: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass
class Conversation:
    session_id: str
    user_id: str | None  # the conversation's user (the first one, if spans name several)
    users: int
    first_time: datetime
    last_time: datetime
    turns: int  # traces
    llm_calls: int
    tokens: int
    cost_usd: float | None
    errors: int  # spans with status ERROR
    scores: list[ScoreSummary] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "scores"}
        return {**data, "scores": [s.to_dict() for s in self.scores]}


@dataclass
class Page:
    items: list[Any] = field(default_factory=list)
    next_cursor: str | None = None


def _last() -> ColumnElement:
    return func.max(spans.c.start_time)


def _where(project_id: int, flt: ConversationFilter) -> list[ColumnElement[bool]]:
    c = spans.c
    where = [c.project_id == project_id, c.session_id.is_not(None)]
    if flt.user:
        where.append(c.user_id == flt.user)
    if flt.since is not None:
        where.append(c.start_time >= as_utc(flt.since))
    if flt.until is not None:
        where.append(c.start_time < as_utc(flt.until))
    return where


def _summary_query(project_id: int, flt: ConversationFilter):
    """Totals per session; spans made to evaluate (``evaluation``) are not the app's traffic."""
    c = spans.c
    llm = c.is_llm == true()
    tokens = func.coalesce(c.input_tokens, 0) + func.coalesce(c.output_tokens, 0)
    where = [*_where(project_id, flt), c.evaluation.is_(None)]
    return (
        select(
            c.session_id,
            func.min(c.user_id).label("user_id"),
            func.count(func.distinct(c.user_id)).label("users"),
            func.min(c.start_time).label("first_time"),
            func.max(c.end_time).label("last_time"),
            _last().label("last_start"),
            func.count(func.distinct(c.trace_id)).label("turns"),
            func.sum(case((llm, 1), else_=0)).label("llm_calls"),
            func.sum(case((llm, tokens), else_=0)).label("tokens"),
            func.sum(c.cost_usd).label("cost_usd"),
            func.sum(case((c.status_code == "ERROR", 1), else_=0)).label("errors"),
        )
        .where(*where)
        .group_by(c.session_id)
    )


def list_conversations(
    engine: Engine,
    project_id: int,
    flt: ConversationFilter | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """One page of conversations, the most recently active first, each with its scores.

    Two steps: the page's session ids by last activity (an index-only scan of
    ``ix_spans_project_session``), then the totals of those sessions only."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    flt = flt or ConversationFilter()
    c = spans.c
    stmt = (
        select(c.session_id, _last().label("last_start"))
        .where(*_where(project_id, flt))
        .group_by(c.session_id)
    )
    if cursor:
        last, session_id = cursors.decode(cursor, _CURSOR_KIND)
        stmt = stmt.having(or_(_last() < last, and_(_last() == last, c.session_id < session_id)))
    stmt = stmt.order_by(_last().desc(), c.session_id.desc()).limit(limit + 1)
    with engine.connect() as conn:
        keys = conn.execute(stmt).all()
        ids = [k.session_id for k in keys[:limit]]
        totals = (
            conn.execute(_summary_query(project_id, flt).where(c.session_id.in_(ids))).all() if ids else []
        )
        by_id = {r.session_id: _conversation(r) for r in totals}
        items = [by_id[i] for i in ids if i in by_id]
        _attach_scores(conn, project_id, items)
    next_cursor = None
    if len(keys) > limit:
        last_key = keys[limit - 1]
        next_cursor = cursors.encode(_CURSOR_KIND, last_key.last_start, last_key.session_id)
    return Page(items=items, next_cursor=next_cursor)


def get_conversation(engine: Engine, project_id: int, session_id: str) -> Conversation:
    """One conversation's totals and scores; ``ConversationNotFound`` when no span carries the id."""
    stmt = _summary_query(project_id, ConversationFilter()).where(spans.c.session_id == session_id)
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
        if row is None:
            raise ConversationNotFound(session_id)
        found = _conversation(row)
        _attach_scores(conn, project_id, [found])
    return found


def _conversation(row) -> Conversation:
    return Conversation(
        session_id=row.session_id,
        user_id=row.user_id,
        users=int(row.users or 0),
        first_time=as_utc(row.first_time),
        last_time=as_utc(row.last_time),
        turns=int(row.turns or 0),
        llm_calls=int(row.llm_calls or 0),
        tokens=int(row.tokens or 0),
        cost_usd=float(row.cost_usd) if row.cost_usd is not None else None,
        errors=int(row.errors or 0),
    )


def _attach_scores(conn, project_id: int, items: list[Conversation]) -> None:
    if not items:
        return
    c = spans.c
    pairs = (
        select(c.session_id, c.trace_id)
        .where(c.project_id == project_id, c.session_id.in_([i.session_id for i in items]))
        .distinct()
    )
    groups: dict[str, list[str]] = {i.session_id: [] for i in items}
    for row in conn.execute(pairs):
        groups[row.session_id].append(row.trace_id)
    found = summaries(conn, project_id, groups)
    for item in items:
        item.scores = found[item.session_id]
