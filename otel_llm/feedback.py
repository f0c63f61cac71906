"""Feedback: a number (and optional comment) on a span or a whole trace, stored as the score
``user_feedback`` (``otel_llm.scores``).

One service (``add_feedback``, ``list_feedback``) serves the SDK, ``POST /api/v1/feedback`` and
``otel-llm feedback add``. From the app::

    otel_llm.record_feedback(span_id_or_trace_id, 0.9, comment="solved it")
    otel_llm.record_feedback(span, 1.0)          # an OpenTelemetry span: both its ids are stored

A 16-hex-digit id is a span id, a 32-digit one a trace id. The span need not be stored yet (spans are
exported in batches); when it is, its trace id is filled in. A span or trace stored in another project
only is refused (``TargetNotFound``): feedback never lands on what the caller cannot see. The score
``user_feedback`` is numeric without bounds until the project declares a scale for it
(``otel-llm scores config set user_feedback --type numeric --min -1 --max 1``); then values outside
it are refused. ``record_feedback`` writes to the database
(``OTEL_LLM_DATABASE_URL``) or, when ``OTEL_LLM_API_URL`` is set, to the console's JSON API with
``OTEL_LLM_API_KEY``. Bad input raises ``ValueError``; a backend failure is logged and ``None`` is
returned — feedback never raises into the app because the backend is down.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from otel_llm import settings
from otel_llm.scores.configs import check_number
from otel_llm.scores.errors import ScoreError, TargetNotFound
from otel_llm.scores.store import check_comment
from otel_llm.scores.targets import Target, parse_target
from otel_llm.storage.schema_scores import USER_FEEDBACK

logger = logging.getLogger(__name__)

NAME = USER_FEEDBACK
DESCRIPTION = (
    "Feedback from the app (otel_llm.record_feedback, otel-llm feedback add, POST /api/v1/feedback)."
)
SOURCES = ("sdk", "api", "cli", "console")
HUMAN_CHANNELS = ("cli", "console")
FeedbackError = ScoreError  # bad feedback input (shown to the user as is)

__all__ = ["Feedback", "FeedbackError", "Target", "TargetNotFound", "add_feedback", "list_feedback"]


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


def check_score(score: Any) -> float:
    """``score`` as a finite number (``FeedbackError`` otherwise); its scale is checked on write."""
    return check_number(NAME, score)


def add_feedback(
    engine, project_id: int, target: Target, score: Any, comment: Any = None, source: str = "api"
) -> Feedback:
    """Store one ``user_feedback`` score; ``source`` is the channel (sdk, api, cli, console)."""
    from otel_llm import scores

    if source not in SOURCES:
        raise FeedbackError(f"unknown feedback source {source!r}; use one of {', '.join(SOURCES)}.")
    value = check_score(score)
    with engine.begin() as conn:
        scores.ensure_config(conn, project_id, NAME, "numeric", description=DESCRIPTION, actor="feedback")
        stored = scores.add_score(
            conn,
            project_id,
            NAME,
            value,
            span_id=target.span_id,
            trace_id=target.trace_id,
            comment=comment,
            source="human" if source in HUMAN_CHANNELS else "api",
            source_name=source,
        )
    return _to_feedback(stored)


def list_feedback(engine, project_id: int, target: Target | None = None, limit: int = 100) -> list[Feedback]:
    """Feedback of the project, newest first; for a span or a trace when ``target`` is given."""
    from otel_llm import scores

    return [
        _to_feedback(s) for s in scores.list_scores(engine, project_id, name=NAME, target=target, limit=limit)
    ]


def _to_feedback(score) -> Feedback:
    return Feedback(
        score.id,
        score.trace_id,
        score.span_id,
        score.value,
        score.comment,
        score.source_name or score.source,
        score.created_at,
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
        from otel_llm import pipeline
        from otel_llm.prompts.catalog import project_id
        from otel_llm.storage.db import get_engine

        engine = get_engine(pipeline.app_database_url(database_url))
        pid = project_id(engine, pipeline.app_project(project), create=True)
        return add_feedback(engine, pid, target, score, comment, source="sdk")
    except ScoreError:  # refused by the project's scale or target: the caller's input
        raise
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
