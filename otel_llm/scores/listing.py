"""Scores in span listings: score columns and score filters (the traces list, ``traces list --score``).

A selection is a comma-separated list of score names, each optionally with a condition:
``helpfulness>=4, exact=true, tone=friendly, judge:helpfulness``. Every name becomes a column (the
span's latest score of that name, else its trace's); every condition filters the spans to those
with a matching score on the span or on its trace. A filter is an ``EXISTS`` over the indexed
``(project_id, span_id, name)`` / ``(project_id, trace_id, name)`` of ``scores``, so keyset pages
stay as fast as without it; a page's columns are one query for all its rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select

from otel_llm.scores.configs import FALSE_WORDS, TRUE_WORDS, check_name
from otel_llm.scores.errors import ScoreError
from otel_llm.storage.schema import spans
from otel_llm.storage.schema_scores import scores

MAX_SELECTED = 10
_CONDITION = re.compile(r"^\s*([^<>=!\s]+)\s*(?:(>=|<=|!=|=|>|<)\s*(.*?))?\s*$")
_ORDERED = (">=", "<=", ">", "<")


@dataclass(frozen=True)
class ScoreCondition:
    """``name`` alone: a column only; with ``op`` and ``value``: also a filter."""

    name: str
    op: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        return self.name if self.op is None else f"{self.name}{self.op}{self.value}"


def parse_selection(text: str | Sequence[str] | None) -> tuple[ScoreCondition, ...]:
    """``"helpfulness>=4, exact"`` (or a list of such parts) as conditions; ``ScoreError`` naming the
    part that is not one."""
    parts = [text] if isinstance(text, str) else list(text or ())
    items = [p.strip() for part in parts for p in part.split(",") if p.strip()]
    if len(items) > MAX_SELECTED:
        raise ScoreError(f"choose at most {MAX_SELECTED} scores at once.")
    return tuple(_parse(item) for item in items)


def _parse(item: str) -> ScoreCondition:
    match = _CONDITION.match(item)
    if not match or (match.group(2) and not match.group(3)):
        raise ScoreError(
            f"{item!r} is not a score condition; write NAME, NAME>=4, NAME=true or NAME=category."
        )
    name, op, value = check_name(match.group(1)), match.group(2), match.group(3)
    if op in _ORDERED and _number(value) is None:
        raise ScoreError(f"{item!r} compares with {op}; give a number, e.g. {name}{op}4.")
    return ScoreCondition(name, op, value)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _value_term(condition: ScoreCondition) -> ColumnElement[bool]:
    """The comparison on the stored value: numbers and true/false on ``value`` (booleans are 1/0),
    any other word on the category (``string_value``)."""
    op, raw = condition.op or "=", condition.value
    number = _number(raw)
    word = raw.lower() if raw else ""
    if number is None and word in TRUE_WORDS | FALSE_WORDS:
        number = 1.0 if word in TRUE_WORDS else 0.0
    column = scores.c.value if number is not None else scores.c.string_value
    operand = number if number is not None else raw
    return {
        "=": column == operand,
        "!=": column != operand,
        ">=": column >= operand,
        "<=": column <= operand,
        ">": column > operand,
        "<": column < operand,
    }[op]


def span_condition(project_id: int, condition: ScoreCondition) -> ColumnElement[bool]:
    """Spans with a score matching ``condition`` on the span itself or on its trace."""
    match = [scores.c.project_id == project_id, scores.c.name == condition.name]
    if condition.op is not None:
        match.append(_value_term(condition))
    on_span = exists().where(*match, scores.c.span_id == spans.c.span_id)
    on_trace = exists().where(*match, scores.c.span_id.is_(None), scores.c.trace_id == spans.c.trace_id)
    return or_(on_span, on_trace)


def filters(conditions: Iterable[ScoreCondition]) -> tuple[ScoreCondition, ...]:
    return tuple(c for c in conditions if c.op is not None)


def column_names(conditions: Iterable[ScoreCondition]) -> list[str]:
    return list(dict.fromkeys(c.name for c in conditions))


def page_values(conn, project_id: int, rows: Sequence[dict[str, Any]], names: Sequence[str]) -> None:
    """Set ``row["scores"]`` to ``{name: display}`` for each row: the span's latest score of each name,
    else its trace's latest trace-level one (``None`` without either). One query for the page."""
    if not names:
        return
    span_ids = {r["span_id"] for r in rows}
    trace_ids = {r["trace_id"] for r in rows}
    stmt = select(
        scores.c.span_id, scores.c.trace_id, scores.c.name, scores.c.value, scores.c.string_value
    ).where(
        scores.c.project_id == project_id,
        scores.c.name.in_(list(names)),
        or_(
            scores.c.span_id.in_(sorted(span_ids)),
            and_(scores.c.span_id.is_(None), scores.c.trace_id.in_(sorted(trace_ids))),
        ),
    )
    latest: dict[tuple[str, str, str], str] = {}
    for r in conn.execute(stmt.order_by(scores.c.id)) if rows else ():
        key = ("span", r.span_id, r.name) if r.span_id else ("trace", r.trace_id, r.name)
        latest[key] = r.string_value if r.string_value is not None else f"{r.value:g}"
    for row in rows:
        row["scores"] = {
            name: latest.get(("span", row["span_id"], name), latest.get(("trace", row["trace_id"], name)))
            for name in names
        }
