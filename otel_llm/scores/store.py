"""Storing and reading scores. Every score is checked against its name's config first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select

from otel_llm.scores.bind import reading, writing
from otel_llm.scores.configs import check_name, configs_by_name
from otel_llm.scores.errors import ScoreConfigNotFound, ScoreError, ScoreNotFound
from otel_llm.scores.targets import CHUNK, Target, make_target, resolve
from otel_llm.storage.schema_scores import SCORE_SOURCES, scores
from otel_llm.storage.timeutil import as_utc

MAX_COMMENT = 10_000
MAX_LIMIT = 1_000


@dataclass(frozen=True)
class ScoreInput:
    """One score to store (``add_scores``). ``span_id`` or ``trace_id`` says what it is on."""

    name: str
    value: Any
    span_id: str | None = None
    trace_id: str | None = None
    comment: str | None = None
    source: str = "evaluator"
    source_name: str | None = None
    source_version: str | None = None
    author: str = ""
    eval_run_id: int | None = None
    details: dict[str, Any] | None = None


@dataclass(frozen=True)
class Score:
    id: int
    trace_id: str | None
    span_id: str | None
    name: str
    data_type: str
    value: float | None
    string_value: str | None
    comment: str | None
    source: str
    source_name: str | None
    source_version: str | None
    author: str
    eval_run_id: int | None
    details: dict[str, Any] | None
    created_at: datetime | None

    @property
    def display(self) -> str:
        """The value as a user reads it: ``4``, ``true``, ``good``."""
        if self.string_value is not None:
            return self.string_value
        return f"{self.value:g}" if self.value is not None else ""

    @property
    def given_by(self) -> str:
        """The source in words: ``exact@1``, ``human (console)``, ``api``."""
        if self.source == "evaluator" and self.source_name:
            return f"{self.source_name}@{self.source_version}" if self.source_version else self.source_name
        return f"{self.source} ({self.source_name})" if self.source_name else self.source

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "name": self.name,
            "data_type": self.data_type,
            "value": self.value,
            "string_value": self.string_value,
            "display": self.display,
            "comment": self.comment,
            "source": self.source,
            "source_name": self.source_name,
            "source_version": self.source_version,
            "author": self.author,
            "eval_run_id": self.eval_run_id,
            "details": self.details,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }


def add_score(
    bind,
    project_id: int,
    name: str,
    value: Any,
    *,
    span_id: str | None = None,
    trace_id: str | None = None,
    comment: str | None = None,
    source: str = "api",
    source_name: str | None = None,
    source_version: str | None = None,
    author: str = "",
    eval_run_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> Score:
    """Store one score on a span (``span_id``) or a trace (``trace_id`` alone).

    ``ScoreConfigNotFound`` if ``name`` is not declared; ``ScoreError`` naming the scale for a value
    outside it or an unknown category; ``TargetNotFound`` for a span or trace of another project.
    """
    item = ScoreInput(
        name,
        value,
        span_id,
        trace_id,
        comment,
        source,
        source_name,
        source_version,
        author,
        eval_run_id,
        details,
    )
    return add_scores(bind, project_id, [item])[0]


def add_scores(bind, project_id: int, items: Sequence[ScoreInput]) -> list[Score]:
    """Store many scores at once (an evaluator's batch): all are checked before any is stored, in
    one transaction (the caller's, given a connection); returned in the order given."""
    if not items:
        return []
    with writing(bind) as conn:
        configs = configs_by_name(conn, project_id, (check_name(i.name) for i in items))
        targets = [make_target(i.span_id, i.trace_id) for i in items]
        rows = [_row(project_id, item, configs) for item in items]
        resolved = resolve(conn, project_id, targets)
        for row, target in zip(rows, targets, strict=True):
            row["trace_id"], row["span_id"] = resolved[target].trace_id, target.span_id
        stmt = insert(scores).returning(*scores.c, sort_by_parameter_order=True)
        return [_to_score(r) for r in conn.execute(stmt, rows)]


def _row(project_id: int, item: ScoreInput, configs) -> dict[str, Any]:
    config = configs.get(item.name.strip())
    if config is None:
        raise ScoreConfigNotFound(item.name)
    if item.source not in SCORE_SOURCES:
        raise ScoreError(f"unknown score source {item.source!r}; use one of {', '.join(SCORE_SOURCES)}.")
    value, string_value = config.check(item.value)
    return {
        "project_id": project_id,
        "name": config.name,
        "data_type": config.data_type,
        "value": value,
        "string_value": string_value,
        "comment": check_comment(item.comment),
        "source": item.source,
        "source_name": _short(item.source_name, 200, "source name"),
        "source_version": _short(item.source_version, 50, "source version"),
        "author": _short(item.author, 320, "author") or "",
        "eval_run_id": item.eval_run_id,
        "details": item.details,
    }


def check_comment(comment: Any) -> str | None:
    if comment is None or not str(comment).strip():
        return None
    text = str(comment)
    if len(text) > MAX_COMMENT:
        raise ScoreError(f"the comment is {len(text):,} characters; at most {MAX_COMMENT:,} are kept.")
    return text


def _short(value: Any, limit: int, what: str) -> str | None:
    if value is None or value == "":
        return None
    text = str(value)
    if len(text) > limit:
        raise ScoreError(f"the {what} is at most {limit} characters.")
    return text


def scores_for_spans(bind, project_id: int, span_ids: Iterable[str]) -> dict[str, list[Score]]:
    """Scores on each of ``span_ids`` (span-level only), oldest first; spans without scores are
    left out. One indexed query per 500 ids."""
    wanted = sorted(set(span_ids))
    found: dict[str, list[Score]] = defaultdict(list)
    with reading(bind) as conn:
        for start in range(0, len(wanted), CHUNK):
            stmt = select(scores).where(
                scores.c.project_id == project_id, scores.c.span_id.in_(wanted[start : start + CHUNK])
            )
            for row in conn.execute(stmt.order_by(scores.c.id)):
                found[row.span_id].append(_to_score(row))
    return dict(found)


def scores_for_trace(bind, project_id: int, trace_id: str) -> list[Score]:
    """The trace-level scores of ``trace_id`` (no span id), oldest first."""
    stmt = select(scores).where(
        scores.c.project_id == project_id, scores.c.trace_id == trace_id, scores.c.span_id.is_(None)
    )
    with reading(bind) as conn:
        return [_to_score(r) for r in conn.execute(stmt.order_by(scores.c.id))]


def list_scores(
    bind,
    project_id: int,
    *,
    name: str | None = None,
    target: Target | None = None,
    source: str | None = None,
    eval_run_id: int | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[Score]:
    """Scores of the project, newest first, filtered; page with ``before_id`` (the last id seen).
    A trace target lists the trace's scores, span-level ones included."""
    stmt = select(scores).where(scores.c.project_id == project_id)
    if name is not None:
        stmt = stmt.where(scores.c.name == name)
    if target is not None and target.span_id:
        stmt = stmt.where(scores.c.span_id == target.span_id)
    elif target is not None:
        stmt = stmt.where(scores.c.trace_id == target.trace_id)
    if source is not None:
        stmt = stmt.where(scores.c.source == source)
    if eval_run_id is not None:
        stmt = stmt.where(scores.c.eval_run_id == eval_run_id)
    if before_id is not None:
        stmt = stmt.where(scores.c.id < before_id)
    with reading(bind) as conn:
        rows = conn.execute(stmt.order_by(scores.c.id.desc()).limit(max(1, min(limit, MAX_LIMIT))))
        return [_to_score(r) for r in rows]


def get_score(bind, project_id: int, score_id: int) -> Score:
    with reading(bind) as conn:
        row = conn.execute(
            select(scores).where(scores.c.project_id == project_id, scores.c.id == score_id)
        ).first()
    if row is None:
        raise ScoreNotFound(f"no score {score_id} in this project; list them with `otel-llm scores list`.")
    return _to_score(row)


def delete_score(bind, project_id: int, score_id: int) -> None:
    """Remove one score of the project (``ScoreNotFound`` if it has none with this id)."""
    with writing(bind) as conn:
        stmt = delete(scores).where(scores.c.project_id == project_id, scores.c.id == score_id)
        if not conn.execute(stmt).rowcount:
            raise ScoreNotFound(
                f"no score {score_id} in this project; list them with `otel-llm scores list`."
            )


def _to_score(row) -> Score:
    return Score(
        id=row.id,
        trace_id=row.trace_id,
        span_id=row.span_id,
        name=row.name,
        data_type=row.data_type,
        value=row.value,
        string_value=row.string_value,
        comment=row.comment,
        source=row.source,
        source_name=row.source_name,
        source_version=row.source_version,
        author=row.author or "",
        eval_run_id=row.eval_run_id,
        details=row.details,
        created_at=as_utc(row.created_at),
    )
