"""What a score is on: a span (16 hex digits) or a whole trace (32 hex digits).

The span need not be stored yet (spans are exported in batches); when it is, its trace id is
filled in. A span or trace stored in another project only is refused (``TargetNotFound``): a score
never lands on what the caller cannot see.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from otel_llm.scores.errors import ScoreError, TargetNotFound
from otel_llm.storage.schema import projects, spans

_HEX = re.compile(r"^[0-9a-f]+$")
CHUNK = 500


@dataclass(frozen=True)
class Target:
    trace_id: str | None
    span_id: str | None


def parse_target(span_or_trace_id: Any, error: type[ScoreError] = ScoreError) -> Target:
    """A span id (16 hex), a trace id (32 hex), or an OpenTelemetry span / span context."""
    context = _span_context(span_or_trace_id)
    if context is not None:
        return Target(format(context.trace_id, "032x"), format(context.span_id, "016x"))
    text = str(span_or_trace_id or "").strip().lower()
    if _HEX.match(text) and len(text) == 16 and int(text, 16):
        return Target(None, text)
    if _HEX.match(text) and len(text) == 32 and int(text, 16):
        return Target(text, None)
    raise error(
        f"{span_or_trace_id!r} is neither a span id (16 hex digits) nor a trace id (32 hex digits); "
        "copy it from `otel-llm traces list`."
    )


def make_target(span_id: Any = None, trace_id: Any = None, error: type[ScoreError] = ScoreError) -> Target:
    """The target named by a span id and/or a trace id (at least one)."""
    if span_id:
        span = parse_target(span_id, error)
        if span.span_id is None:
            raise error(f"{span_id!r} is not a span id (16 hex digits).")
        return Target(parse_trace(trace_id, error) if trace_id else None, span.span_id)
    if trace_id:
        return Target(parse_trace(trace_id, error), None)
    raise error("say what the score is on: a span id or a trace id.")


def parse_trace(trace_id: Any, error: type[ScoreError] = ScoreError) -> str:
    target = parse_target(trace_id, error)
    if target.span_id is not None or target.trace_id is None:
        raise error(f"{trace_id!r} is not a trace id (32 hex digits).")
    return target.trace_id


def _span_context(value: Any):
    get = getattr(value, "get_span_context", None)
    context = get() if callable(get) else value
    if hasattr(context, "trace_id") and hasattr(context, "span_id") and isinstance(context.trace_id, int):
        return context if context.trace_id and context.span_id else None
    return None


def resolve(conn, project_id: int, targets: Iterable[Target]) -> dict[Target, Target]:
    """Each target with its stored trace id filled in; ``TargetNotFound`` for one stored in another
    project and not in this one. One query per 500 span ids, one probe per unseen trace."""
    wanted = list(dict.fromkeys(targets))
    span_ids = sorted({t.span_id for t in wanted if t.span_id})
    traces = _stored_traces(conn, project_id, span_ids)
    for span_id in span_ids:
        if span_id not in traces:
            _refuse_if_elsewhere(conn, project_id, spans.c.span_id, span_id, "span")
    for trace_id in sorted({t.trace_id for t in wanted if t.span_id is None and t.trace_id}):
        _refuse_if_elsewhere(conn, project_id, spans.c.trace_id, trace_id, "trace")
    return {t: Target(t.trace_id or traces.get(t.span_id), t.span_id) if t.span_id else t for t in wanted}


def _stored_traces(conn, project_id: int, span_ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(span_ids), CHUNK):
        chunk = span_ids[start : start + CHUNK]
        stmt = select(spans.c.span_id, spans.c.trace_id).where(
            spans.c.project_id == project_id, spans.c.span_id.in_(chunk)
        )
        found.update({r.span_id: r.trace_id for r in conn.execute(stmt)})
    return found


def _refuse_if_elsewhere(conn, project_id: int, column, value: str, what: str) -> None:
    """``TargetNotFound`` when ``value`` is stored in another project and not in ``project_id``
    (one probe of the per-project index for each project)."""

    def stored(in_projects) -> bool:
        found = select(spans.c.project_id).where(spans.c.project_id.in_(in_projects), column == value)
        return conn.execute(found.limit(1)).first() is not None

    if not stored([project_id]) and stored(select(projects.c.id).where(projects.c.id != project_id)):
        raise TargetNotFound(f"no {what} {value} in this project; give a {what} id of the project you use.")
