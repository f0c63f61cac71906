"""Per-version metrics from stored spans, over a time window, comparable across versions.

A span counts for version N of prompt P when either
- its tags say so: ``prompt_name = P`` and ``prompt_version = N`` (set by ``with prompt:``), or
- it carries no version tag (an app that never used the registry, or a fallback), its prompt name is
  empty or P, and its ``system_prompt_hash`` (or tagged ``prompt_hash``) equals the version's
  ``version_hash``. Two versions with the same template (different config) share such spans.

Success rate is the share of calls whose status is not ``ERROR``. Feedback counts scores given on a
linked span or, without a span id, on a linked span's trace.

A window holding whole UTC days whose rollups (``storage/schema_prompt_rollups.py``, kept exact by
triggers) count more than ``EXACT_CALLS`` calls reads those days from the rollups and only the
partial days at either end from the spans, so "all time" over millions of calls is a lookup: calls,
errors, tokens and cost are exact, and p50/p95 come from the rollups' log-spaced latency histograms,
within ``rollup.RELATIVE_ERROR`` (5.1 %) of the true value. Otherwise — fewer calls, a window
shorter than a day, one end user's calls — every call is read from the spans and the percentiles
are exact (``percentile_cont`` on Postgres, the same linear interpolation in Python on SQLite).
Feedback is always read from the spans its scores point at.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, Integer, String, and_, case, cast, func, or_, select, union, union_all

from otel_llm.prompts import store
from otel_llm.prompts.errors import InvalidInput
from otel_llm.prompts.names import validate_name
from otel_llm.storage.schema import spans
from otel_llm.storage.schema_overview import (
    BUCKETS_PER_E,
    FIRST_BUCKET,
    FLOOR_MS,
    LAST_BUCKET,
    overview_latency_edges,
)
from otel_llm.storage.schema_prompt_rollups import prompt_latency, prompt_rollups
from otel_llm.storage.schema_prompts import prompt_versions
from otel_llm.storage.schema_scores import USER_FEEDBACK
from otel_llm.storage.schema_scores import scores as feedback
from otel_llm.storage.timeutil import now_utc
from otel_llm.traces import rollup

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
    exact: bool = False,
) -> list[VersionMetrics]:
    """Metrics of every version of ``name`` (newest first; versions without traffic show zero calls),
    of one end user's calls when ``user`` is given; ``exact`` reads every call from the spans (exact
    percentiles, one read of every linked call), whatever the window."""
    name = validate_name(name)
    if isinstance(since, timedelta):
        since = now_utc() - since
    with engine.connect() as connection:
        pid = store.prompt_id(connection, project_id, name)
        numbers = (
            connection.execute(
                select(prompt_versions.c.version)
                .where(prompt_versions.c.prompt_id == pid)
                .order_by(prompt_versions.c.version.desc())
            )
            .scalars()
            .all()
        )
        days = None if user or exact else _whole_days(since, until)
        rolled = [] if days is None else connection.execute(_rollup_sums(project_id, pid, name, *days)).all()
        if days is None or sum(r.calls for r in rolled) <= EXACT_CALLS:
            linked = _linked_spans(project_id, pid, name, since, until, user)
            calls = {r.version: r for r in connection.execute(_call_stats(linked, connection.dialect.name))}
            scores = {r.version: r for r in connection.execute(_feedback_stats(linked, project_id))}
            percentiles = _percentiles(connection, linked)
            return [_metrics(n, calls.get(n), scores.get(n), percentiles.get(n)) for n in numbers]
        totals = _rolled_up(connection, rolled, project_id, pid, name, since, until, days)
        scores = {
            r.version: r for r in connection.execute(_scored_feedback(project_id, pid, name, since, until))
        }
        return [_from_totals(n, totals.get(n), scores.get(n)) for n in numbers]


_DAY = 86400
# Up to this many calls in the rollups' days, reading every call from the spans is cheap: the
# percentiles stay exact. Above it they come from the rollups' histograms.
EXACT_CALLS = 20_000


def _whole_days(since: datetime | None, until: datetime | None) -> tuple[int | None, int | None] | None:
    """The whole UTC days inside [since, until) as (first day's start, end) in Unix seconds — None
    for an open end — or None when the window holds no whole day."""
    first = None if since is None else -(-int(since.timestamp()) // _DAY) * _DAY
    end = None if until is None else int(until.timestamp()) // _DAY * _DAY
    if first is not None and end is not None and end - first < _DAY:
        return None
    return first, end


@dataclass
class _Totals:
    """One version's sums, from the rollups' whole days plus the spans of the partial days."""

    calls: int = 0
    errors: int = 0
    input_tokens: int = 0
    input_n: int = 0
    output_tokens: int = 0
    output_n: int = 0
    cost_usd: float = 0.0
    cost_n: int = 0
    latency: Counter = field(default_factory=Counter)


def _rolled_up(
    connection, rolled, project_id: int, pid: int, name: str, since, until, days
) -> dict[int, _Totals]:
    first, end = days
    totals: dict[int, _Totals] = defaultdict(_Totals)
    for row in rolled:
        _add_calls(totals[row.version], row)
    for row in connection.execute(_rollup_latency(project_id, pid, name, first, end)):
        totals[row.version].latency[row.bucket] += int(row.n)
    edges = []  # the partial days at either end, from the spans
    if since is not None and since < _moment(first):
        edges.append((since, _moment(first)))
    if until is not None and _moment(end) < until:
        edges.append((_moment(end), until))
    for start, stop in edges:
        linked = _linked_spans(project_id, pid, name, start, stop)
        for row in connection.execute(_bucketed_stats(linked, connection.dialect.name)):
            _add_calls(totals[row.version], row)
    return totals


def _bucketed_stats(linked, dialect: str):
    """Per version and latency bucket: the sums the rollups keep, computed in SQL (a partial day of
    a busy prompt is many calls; this returns a few dozen rows per version)."""
    duration = linked.c.duration_ms
    if dialect == "postgresql":
        expression = func.least(
            cast(func.floor(func.ln(func.greatest(duration, FLOOR_MS)) * BUCKETS_PER_E), Integer), LAST_BUCKET
        )
    else:  # SQLite builds may lack ln(): look the bucket up, as the triggers do
        e = overview_latency_edges.c
        lower = select(e.bucket).where(e.lower_ms <= duration).order_by(e.lower_ms.desc()).limit(1)
        expression = func.coalesce(lower.scalar_subquery(), FIRST_BUCKET)
    bucket = expression.label("bucket")
    return select(
        linked.c.version,
        bucket,
        func.count().label("calls"),
        func.sum(case((linked.c.status_code == "ERROR", 1), else_=0)).label("errors"),
        func.coalesce(func.sum(linked.c.input_tokens), 0).label("input_tokens"),
        func.count(linked.c.input_tokens).label("input_n"),
        func.coalesce(func.sum(linked.c.output_tokens), 0).label("output_tokens"),
        func.count(linked.c.output_tokens).label("output_n"),
        func.coalesce(func.sum(linked.c.cost_usd), 0).label("cost_usd"),
        func.count(linked.c.cost_usd).label("cost_n"),
    ).group_by(linked.c.version, bucket)


def _moment(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _add_calls(t: _Totals, row) -> None:
    """Add a row of sums (a rollup row, or a partial day's bucket from ``_bucketed_stats``)."""
    t.calls += int(row.calls)
    t.errors += int(row.errors)
    t.input_tokens += int(row.input_tokens)
    t.input_n += int(row.input_n)
    t.output_tokens += int(row.output_tokens)
    t.output_n += int(row.output_n)
    t.cost_usd += float(row.cost_usd)
    t.cost_n += int(row.cost_n)
    if "bucket" in row._fields:
        t.latency[row.bucket] += int(row.calls)


def _rollup_links(table, project_id: int, pid: int, name: str, first: int | None, end: int | None):
    """Rollup rows of ``table`` joined to the versions they count for: tagged ``name`` + version, or
    untagged with the version's hash (the same two links as ``_linked_spans``)."""
    r = table.c
    v = prompt_versions.c
    link = or_(
        and_(r.prompt_name == name, r.prompt_version == cast(v.version, String)),
        and_(
            r.prompt_version == "",
            r.prompt_name.in_(["", name]),
            or_(r.system_prompt_hash == v.version_hash, r.prompt_hash == v.version_hash),
        ),
    )
    window = [r.project_id == project_id, r.prompt_name.in_(["", name]), v.prompt_id == pid]
    if first is not None:
        window.append(r.day >= first)
    if end is not None:
        window.append(r.day < end)
    return table.join(prompt_versions, link), window


def _rollup_sums(project_id: int, pid: int, name: str, first, end):
    joined, window = _rollup_links(prompt_rollups, project_id, pid, name, first, end)
    r = prompt_rollups.c
    sums = [func.sum(r[c]).label(c) for c in ("calls", "errors", "input_tokens", "input_n", "output_tokens")]
    sums += [func.sum(r[c]).label(c) for c in ("output_n", "cost_usd", "cost_n")]
    return (
        select(prompt_versions.c.version, *sums)
        .select_from(joined)
        .where(*window)
        .group_by(prompt_versions.c.version)
    )


def _rollup_latency(project_id: int, pid: int, name: str, first, end):
    joined, window = _rollup_links(prompt_latency, project_id, pid, name, first, end)
    t = prompt_latency.c
    return (
        select(prompt_versions.c.version, t.bucket, func.sum(t["count"]).label("n"))
        .select_from(joined)
        .where(*window)
        .group_by(prompt_versions.c.version, t.bucket)
    )


def _scored_feedback(project_id: int, pid: int, name: str, since, until):
    """``_feedback_stats`` over only the linked spans a feedback score can point at: found from the
    scores (few) rather than from every linked call."""
    scored = feedback.c.project_id == project_id, feedback.c.name == USER_FEEDBACK
    on_spans = spans.c.span_id.in_(select(feedback.c.span_id).where(*scored, feedback.c.span_id.is_not(None)))
    on_traces = spans.c.trace_id.in_(select(feedback.c.trace_id).where(*scored, feedback.c.span_id.is_(None)))
    candidates = [
        _linked_spans(project_id, pid, name, since, until, only=only) for only in (on_spans, on_traces)
    ]
    linked = union_all(*(select(c) for c in candidates)).subquery("candidates")
    return _feedback_stats(linked, project_id)


def _from_totals(version: int, t: _Totals | None, scores) -> VersionMetrics:
    if t is None or t.calls == 0:
        return VersionMetrics(version)
    return VersionMetrics(
        version=version,
        calls=t.calls,
        errors=t.errors,
        success_rate=(t.calls - t.errors) / t.calls,
        feedback_count=scores.n if scores else 0,
        avg_feedback=_float(scores.avg) if scores else None,
        p50_ms=rollup.percentile(t.latency, 0.5),
        p95_ms=rollup.percentile(t.latency, 0.95),
        avg_input_tokens=t.input_tokens / t.input_n if t.input_n else None,
        avg_output_tokens=t.output_tokens / t.output_n if t.output_n else None,
        avg_cost_usd=t.cost_usd / t.cost_n if t.cost_n else None,
        total_cost_usd=t.cost_usd if t.cost_n else None,
    )


def _linked_spans(project_id: int, pid: int, name: str, since, until, user: str | None = None, only=None):
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
    if only is not None:
        window.append(only)
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
