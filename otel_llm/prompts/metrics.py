"""Per-version metrics from stored spans, over a time window, comparable across versions.

A span counts for version N of prompt P when either
- its tags say so: ``prompt_name = P`` and ``prompt_version = N`` (set by ``with prompt:``), or
- it carries no version tag (an app that never used the registry, or a fallback), its prompt name is
  empty or P, and its ``system_prompt_hash`` (or tagged ``prompt_hash``) equals the version's
  ``version_hash``. Two versions with the same template (different config) share such spans.

Success rate is the share of calls whose status is not ``ERROR``. Feedback counts scores given on a
linked span or, without a span id, on a linked span's trace. Percentiles are ``percentile_cont`` on
Postgres and the same linear interpolation computed in Python on SQLite.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, String, and_, case, cast, func, or_, select, union, union_all

from otel_llm.prompts import store
from otel_llm.prompts.errors import InvalidInput
from otel_llm.prompts.names import validate_name
from otel_llm.storage.schema import spans
from otel_llm.storage.schema_prompts import prompt_versions
from otel_llm.storage.schema_scores import USER_FEEDBACK
from otel_llm.storage.schema_scores import scores as feedback
from otel_llm.storage.timeutil import now_utc

_WINDOW = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_window(text: str | None) -> timedelta | None:
    """``30m``, ``24h``, ``7d``, ``2w`` → a timedelta; ``all`` or empty → None (no limit)."""
    if text is None or text.strip().lower() in ("", "all"):
        return None
    match = _WINDOW.match(text.lower())
    if not match or int(match.group(1)) == 0:
        raise InvalidInput(f"invalid time window {text!r}: write e.g. 30m, 24h, 7d, 2w or all.")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class VersionMetrics:
    version: int
    calls: int = 0
    errors: int = 0
    success_rate: float | None = None
    feedback_count: int = 0
    avg_feedback: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    avg_input_tokens: float | None = None
    avg_output_tokens: float | None = None
    avg_cost_usd: float | None = None
    total_cost_usd: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def version_metrics(
    engine: Engine,
    project_id: int,
    name: str,
    since: datetime | timedelta | None = None,
    until: datetime | None = None,
    user: str | None = None,
) -> list[VersionMetrics]:
    """Metrics of every version of ``name`` (newest first; versions without traffic show zero calls),
    of one end user's calls when ``user`` is given."""
    name = validate_name(name)
    if isinstance(since, timedelta):
        since = now_utc() - since
    with engine.connect() as connection:
        pid = store.prompt_id(connection, project_id, name)
        numbers = connection.execute(
            select(prompt_versions.c.version)
            .where(prompt_versions.c.prompt_id == pid)
            .order_by(prompt_versions.c.version.desc())
        ).scalars()
        linked = _linked_spans(project_id, pid, name, since, until, user)
        calls = {r.version: r for r in connection.execute(_call_stats(linked, connection.dialect.name))}
        scores = {r.version: r for r in connection.execute(_feedback_stats(linked, project_id))}
        percentiles = _percentiles(connection, linked)
        return [_metrics(n, calls.get(n), scores.get(n), percentiles.get(n)) for n in numbers]


def _linked_spans(project_id: int, pid: int, name: str, since, until, user: str | None = None):
    columns = [
        prompt_versions.c.version,
        spans.c.trace_id,
        spans.c.span_id,
        spans.c.status_code,
        spans.c.duration_ms,
        spans.c.input_tokens,
        spans.c.output_tokens,
        spans.c.cost_usd,
    ]
    # Replays are the team's re-runs, not app traffic: they never count toward a version.
    window = [
        spans.c.project_id == project_id,
        spans.c.is_llm.is_(True),
        spans.c.replay_of.is_(None),
        spans.c.evaluation.is_(None),
    ]
    if since is not None:
        window.append(spans.c.start_time >= since)
    if until is not None:
        window.append(spans.c.start_time < until)
    if user:
        window.append(spans.c.user_id == user)
    tagged = (
        select(*columns)
        .select_from(
            spans.join(prompt_versions, spans.c.prompt_version == cast(prompt_versions.c.version, String))
        )
        .where(*window, prompt_versions.c.prompt_id == pid, spans.c.prompt_name == name)
    )
    by_hash = (
        select(*columns)
        .select_from(
            spans.join(
                prompt_versions,
                or_(
                    spans.c.system_prompt_hash == prompt_versions.c.version_hash,
                    spans.c.prompt_hash == prompt_versions.c.version_hash,
                ),
            )
        )
        .where(
            *window,
            prompt_versions.c.prompt_id == pid,
            spans.c.prompt_version.is_(None),
            or_(spans.c.prompt_name.is_(None), spans.c.prompt_name == name),
        )
    )
    return union_all(tagged, by_hash).subquery("linked")


def _call_stats(linked, dialect: str):
    columns = [
        linked.c.version,
        func.count().label("calls"),
        func.sum(case((linked.c.status_code == "ERROR", 1), else_=0)).label("errors"),
        func.avg(linked.c.input_tokens).label("avg_input_tokens"),
        func.avg(linked.c.output_tokens).label("avg_output_tokens"),
        func.avg(linked.c.cost_usd).label("avg_cost_usd"),
        func.sum(linked.c.cost_usd).label("total_cost_usd"),
    ]
    if dialect == "postgresql":
        columns += [
            func.percentile_cont(0.5).within_group(linked.c.duration_ms).label("p50"),
            func.percentile_cont(0.95).within_group(linked.c.duration_ms).label("p95"),
        ]
    return select(*columns).group_by(linked.c.version)


def _feedback_stats(linked, project_id: int):
    score = feedback.c.value.label("score")
    on_span = select(linked.c.version, feedback.c.id, score).join_from(
        linked,
        feedback,
        and_(
            feedback.c.project_id == project_id,
            feedback.c.span_id == linked.c.span_id,
            feedback.c.name == USER_FEEDBACK,
        ),
    )
    on_trace = select(linked.c.version, feedback.c.id, score).join_from(
        linked,
        feedback,
        and_(
            feedback.c.project_id == project_id,
            feedback.c.name == USER_FEEDBACK,
            feedback.c.span_id.is_(None),
            feedback.c.trace_id == linked.c.trace_id,
        ),
    )
    scored = union(on_span, on_trace).subquery("scored")  # UNION: a score counts once per version
    return select(scored.c.version, func.count().label("n"), func.avg(scored.c.score).label("avg")).group_by(
        scored.c.version
    )


def _percentiles(connection, linked) -> dict[int, tuple[float, float]]:
    if connection.dialect.name == "postgresql":
        return {}  # computed in SQL by _call_stats
    durations: dict[int, list[float]] = defaultdict(list)
    stmt = select(linked.c.version, linked.c.duration_ms).order_by(linked.c.version, linked.c.duration_ms)
    for version, duration in connection.execute(stmt):
        if duration is not None:
            durations[version].append(float(duration))
    return {v: (percentile(d, 0.5), percentile(d, 0.95)) for v, d in durations.items()}


def percentile(ordered: list[float], q: float) -> float:
    """Linear interpolation between closest ranks — the definition of SQL ``percentile_cont``."""
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _metrics(version: int, calls, scores, percentiles) -> VersionMetrics:
    if calls is None:
        return VersionMetrics(version)
    p50, p95 = percentiles or (getattr(calls, "p50", None), getattr(calls, "p95", None))
    errors = int(calls.errors or 0)
    return VersionMetrics(
        version=version,
        calls=calls.calls,
        errors=errors,
        success_rate=(calls.calls - errors) / calls.calls,
        feedback_count=scores.n if scores else 0,
        avg_feedback=_float(scores.avg) if scores else None,
        p50_ms=_float(p50),
        p95_ms=_float(p95),
        avg_input_tokens=_float(calls.avg_input_tokens),
        avg_output_tokens=_float(calls.avg_output_tokens),
        avg_cost_usd=_float(calls.avg_cost_usd),
        total_cost_usd=_float(calls.total_cost_usd),
    )


def _float(value) -> float | None:
    return None if value is None else float(value)


__all__ = ["VersionMetrics", "version_metrics", "parse_window", "percentile"]
