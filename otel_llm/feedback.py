"""Feedback: a score (and optional comment) on a span or a whole trace.

One service (``add_feedback``, ``list_feedback``) serves the SDK, ``POST /api/v1/feedback`` and
``otel-llm feedback add``. From the app::

    otel_llm.record_feedback(span_id_or_trace_id, 0.9, comment="solved it")
    otel_llm.record_feedback(span, 1.0)          # an OpenTelemetry span: both its ids are stored

A 16-hex-digit id is a span id, a 32-digit one a trace id. The span need not be stored yet (spans are
exported in batches); when it is, its trace id is filled in. A span or trace stored in another project
only is refused (``TargetNotFound``): feedback never lands on what the caller cannot see. ``record_feedback`` writes to the database
(``OTEL_LLM_DATABASE_URL``) or, when ``OTEL_LLM_API_URL`` is set, to the console's JSON API with
``OTEL_LLM_API_KEY``. Bad input raises ``ValueError``; a backend failure is logged and ``None`` is
returned — feedback never raises into the app because the backend is down.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from otel_llm import settings

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Connection, Engine, Row, Select

logger = logging.getLogger(__name__)

_HEX = re.compile(r"^[0-9a-f]+$")
MAX_COMMENT = 10_000
SOURCES = ("sdk", "api", "cli", "console")


class FeedbackError(ValueError):
    """Bad feedback input (shown to the user as is)."""

    code = "invalid"


class TargetNotFound(FeedbackError):
    """The span or trace is another project's (to the caller: it does not exist)."""

    code = "not_found"


@dataclass(frozen=True)
class Target:
    trace_id: str | None
    span_id: str | None


@dataclass(frozen=True)
class Feedback:
    id: int
    trace_id: str | None
    span_id: str | None
    score: float
    comment: str | None
    source: str
    created_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat() if self.created_at else None
        return data


def parse_target(span_or_trace_id: Any) -> Target:
    """A span id (16 hex), a trace id (32 hex), or an OpenTelemetry span / span context."""
    context = _span_context(span_or_trace_id)
    if context is not None:
        return Target(format(context.trace_id, "032x"), format(context.span_id, "016x"))
    text = str(span_or_trace_id or "").strip().lower()
    if _HEX.match(text) and len(text) == 16 and int(text, 16):
        return Target(None, text)
    if _HEX.match(text) and len(text) == 32 and int(text, 16):
        return Target(text, None)
    raise FeedbackError(
        f"{span_or_trace_id!r} is neither a span id (16 hex digits) nor a trace id (32 hex digits); "
        "copy it from `otel-llm traces list`."
    )


def _span_context(value: Any) -> Any:
    """The span context of a span or span context (duck-typed: any OpenTelemetry API version)."""
    get = getattr(value, "get_span_context", None)
    context = get() if callable(get) else value
    if hasattr(context, "trace_id") and hasattr(context, "span_id") and isinstance(context.trace_id, int):
        return context if context.trace_id and context.span_id else None
    return None


def check_score(score: Any) -> float:
    if isinstance(score, bool):
        raise FeedbackError("the score must be a number, e.g. 1, 0.5 or -1.")
    try:
        value = float(score)
    except (TypeError, ValueError):
        raise FeedbackError(f"the score {score!r} is not a number; give e.g. 1, 0.5 or -1.") from None
    if not math.isfinite(value):
        raise FeedbackError("the score must be a finite number.")
    return value


def check_comment(comment: Any) -> str | None:
    if comment is None or not str(comment).strip():
        return None
    text = str(comment)
    if len(text) > MAX_COMMENT:
        raise FeedbackError(f"the comment is {len(text):,} characters; at most {MAX_COMMENT:,} are kept.")
    return text


def add_feedback(
    engine: Engine, project_id: int, target: Target, score: Any, comment: Any = None, source: str = "api"
) -> Feedback:
    """Store one feedback row; the span's trace id is filled in when the span is already stored."""
    from sqlalchemy import insert, select

    from otel_llm.storage.schema import spans
    from otel_llm.storage.schema_prompts import feedback

    if source not in SOURCES:
        raise FeedbackError(f"unknown feedback source {source!r}; use one of {', '.join(SOURCES)}.")
    values = {"score": check_score(score), "comment": check_comment(comment), "source": source}
    with engine.begin() as connection:
        trace_id = target.trace_id
        if target.span_id is not None:
            stored_trace = connection.execute(
                select(spans.c.trace_id)
                .where(spans.c.project_id == project_id, spans.c.span_id == target.span_id)
                .limit(1)
            ).scalar()
            if stored_trace is None:
                _refuse_if_elsewhere(connection, project_id, spans.c.span_id, target.span_id, "span")
            trace_id = trace_id or stored_trace
        else:
            _refuse_if_elsewhere(connection, project_id, spans.c.trace_id, trace_id, "trace")
        stmt = insert(feedback).values(
            project_id=project_id, trace_id=trace_id, span_id=target.span_id, **values
        )
        new_id = connection.execute(stmt.returning(feedback.c.id)).scalar_one()
        row = connection.execute(select(feedback).where(feedback.c.id == new_id)).one()
    return _to_feedback(row)


def _refuse_if_elsewhere(
    connection: Connection, project_id: int, column: ColumnElement[Any], value: str | None, what: str
) -> None:
    """``TargetNotFound`` when ``value`` is stored in another project and not in ``project_id``
    (one probe of the per-project index for each project)."""
    from sqlalchemy import select

    from otel_llm.storage.schema import projects, spans

    def stored(in_projects: list[int] | Select[Any]) -> bool:
        found = select(spans.c.project_id).where(spans.c.project_id.in_(in_projects), column == value)
        return connection.execute(found.limit(1)).first() is not None

    if not stored([project_id]) and stored(select(projects.c.id).where(projects.c.id != project_id)):
        raise TargetNotFound(f"no {what} {value} in this project; give a {what} id of the project you use.")


def list_feedback(
    engine: Engine, project_id: int, target: Target | None = None, limit: int = 100
) -> list[Feedback]:
    """Feedback of the project, newest first; for a span or a trace when ``target`` is given."""
    from sqlalchemy import select

    from otel_llm.storage.schema_prompts import feedback

    stmt = select(feedback).where(feedback.c.project_id == project_id)
    if target is not None and target.span_id:
        stmt = stmt.where(feedback.c.span_id == target.span_id)
    elif target is not None:
        stmt = stmt.where(feedback.c.trace_id == target.trace_id)
    with engine.connect() as connection:
        rows = connection.execute(stmt.order_by(feedback.c.id.desc()).limit(limit)).all()
    return [_to_feedback(r) for r in rows]


def _to_feedback(row: Row[Any]) -> Feedback:
    from otel_llm.storage.timeutil import as_utc

    return Feedback(
        row.id, row.trace_id, row.span_id, row.score, row.comment, row.source, as_utc(row.created_at)
    )


def record_feedback(
    span_or_trace_id: Any,
    score: float,
    comment: str | None = None,
    *,
    project: str | None = None,
    database_url: str | None = None,
    api_url: str | None = None,
    api_key: str | None = None,
) -> Feedback | None:
    """Record a score on a span or trace from the app (see the module docstring)."""
    target = parse_target(span_or_trace_id)
    score = check_score(score)
    comment = check_comment(comment)
    base = settings.api_url(api_url)
    try:
        if base:
            return _post(base, settings.api_key(api_key), target, score, comment)
        from otel_llm.prompts.catalog import project_id
        from otel_llm.storage.db import get_engine

        engine = get_engine(database_url)
        pid = project_id(engine, settings.project(project), create=True)
        return add_feedback(engine, pid, target, score, comment, source="sdk")
    except Exception:  # the backend failed: log, never raise into the app
        logger.warning("otel-llm: could not record feedback on %s", target, exc_info=True)
        return None


def _post(base: str, key: str | None, target: Target, score: float, comment: str | None) -> Feedback:
    import httpx

    body = {"trace_id": target.trace_id, "span_id": target.span_id, "score": score, "comment": comment}
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = httpx.post(f"{base.rstrip('/')}/api/v1/feedback", json=body, headers=headers, timeout=3.0)
    response.raise_for_status()
    data = dict(response.json()["feedback"])
    data["created_at"] = datetime.fromisoformat(data["created_at"]) if data.get("created_at") else None
    return Feedback(**data)
