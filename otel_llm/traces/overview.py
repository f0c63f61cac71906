"""The overview's numbers: calls, errors, tokens, cost and p50/p95 latency over time and per model.

Ranges with points of an hour or more read the rollups (``rollup``): rows per hour, model,
provider and status that triggers keep exact as spans are written, updated and deleted, so a
90-day overview reads a few thousand rows however many spans it covers. Calls, errors, tokens and
cost are exact; p50/p95 come from log-spaced latency histograms, within ``rollup.RELATIVE_ERROR``
(≈ 5.1 %). The 1-hour range (5-minute points) reads its spans, at most an hour of them: SQL sums
each (bucket, model) cell, and the durations are read back and interpolated like Postgres
``percentile_cont`` (linear between closest ranks), the same on both databases. ``exact`` computes
any range that way (the reference the rollups are tested against).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Engine, Integer, case, cast, extract, func, literal, select, text

from otel_llm.storage.schema import spans
from otel_llm.traces import rollup

RANGES: dict[str, tuple[timedelta, int]] = {
    # range → (length, bucket seconds)
    "1h": (timedelta(hours=1), 300),
    "24h": (timedelta(hours=24), 3600),
    "7d": (timedelta(days=7), 6 * 3600),
    "30d": (timedelta(days=30), 86400),
    "90d": (timedelta(days=90), 86400),
}
DEFAULT_RANGE = "7d"
OPTIONS_WINDOW = timedelta(days=30)
OPTIONS_LIMIT = 200


@dataclass
class Stats:
    calls: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None  # None when no call of the group has a known cost
    p50_ms: float | None = None
    p95_ms: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "errors": self.errors,
            "error_rate": (self.errors / self.calls) if self.calls else None,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "tokens": self.input_tokens + self.output_tokens,
            "cost_usd": self.cost_usd,
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
        }


@dataclass
class _Groups:
    cells: dict[tuple[int, str], Stats] = field(default_factory=dict)
    buckets: dict[int, Stats] = field(default_factory=dict)
    models: dict[str, Stats] = field(default_factory=dict)
    total: Stats = field(default_factory=Stats)


def overview(
    engine: Engine, project_id: int, range_name: str = DEFAULT_RANGE, now: datetime | None = None
) -> dict:
    """Totals, a zero-filled time series and a per-model breakdown of the project's LLM calls."""
    step = _step(range_name)
    return _overview(engine, project_id, range_name, now, from_spans=step % 3600 != 0)


def exact(
    engine: Engine, project_id: int, range_name: str = DEFAULT_RANGE, now: datetime | None = None
) -> dict:
    """``overview`` computed from the spans themselves: exact percentiles, one read of every call."""
    return _overview(engine, project_id, range_name, now, from_spans=True)


def _step(range_name: str) -> int:
    if range_name not in RANGES:
        raise ValueError(f"unknown range {range_name!r}; use one of {', '.join(RANGES)}.")
    return RANGES[range_name][1]


def _overview(
    engine: Engine, project_id: int, range_name: str, now: datetime | None, from_spans: bool
) -> dict:
    step = _step(range_name)
    now = now or datetime.now(UTC)
    first_bucket = int((now - RANGES[range_name][0]).timestamp()) // step + 1
    since = datetime.fromtimestamp(first_bucket * step, UTC)
    if from_spans:
        groups = _span_groups(engine, step, _where(project_id, since))
    else:
        groups = _rollup_groups(engine, project_id, first_bucket * step, step)
    buckets = list(range(first_bucket, int(now.timestamp()) // step + 1))
    empty = Stats()
    return {
        "range": range_name,
        "bucket_seconds": step,
        "since": since.isoformat(),
        "until": now.isoformat(),
        "totals": groups.total.as_dict(),
        "series": [
            {"t": datetime.fromtimestamp(b * step, UTC).isoformat(), **groups.buckets.get(b, empty).as_dict()}
            for b in buckets
        ],
        "models": sorted(
            ({"model": m, **s.as_dict()} for m, s in groups.models.items()),
            key=lambda item: (-item["calls"], item["model"]),
        ),
        "calls_by_model": {
            m: [groups.cells[(b, m)].calls if (b, m) in groups.cells else 0 for b in buckets]
            for m in groups.models
        },
    }


def _where(project_id: int, since: datetime) -> list:
    # App traffic only (what the rollups count): replays are the team's re-runs, evaluation calls
    # are made to score.
    return [
        spans.c.project_id == project_id,
        spans.c.is_llm.is_(True),
        spans.c.replay_of.is_(None),
        spans.c.evaluation.is_(None),
        spans.c.start_time >= since,
    ]


def _model_expression():
    return func.coalesce(spans.c.request_model, spans.c.response_model, literal("(unknown)"))


def _rollup_groups(engine: Engine, project_id: int, since: int, step: int) -> _Groups:
    groups = _Groups()
    with engine.connect() as connection:
        for row in rollup.sums(connection, project_id, since, step):
            cell = groups.cells[(row.bucket, row.model)] = _stats(row)
            _add_everywhere(groups, row.bucket, row.model, cell)
        counts = rollup.histograms(connection, project_id, since, step)
    merged: dict[str, dict[Any, Counter]] = {kind: defaultdict(Counter) for kind in ("buckets", "models")}
    total: Counter = Counter()
    for (b, m), found in counts.items():
        merged["buckets"][b].update(found)
        merged["models"][m].update(found)
        total.update(found)
    for kind, found_by_key in merged.items():
        for key, found in found_by_key.items():
            target = getattr(groups, kind).get(key)
            if target is not None:
                target.p50_ms, target.p95_ms = rollup.percentile(found, 0.5), rollup.percentile(found, 0.95)
    groups.total.p50_ms, groups.total.p95_ms = rollup.percentile(total, 0.5), rollup.percentile(total, 0.95)
    return groups


def _add_everywhere(groups: _Groups, bucket: int, model: str, cell: Stats) -> None:
    for target in (
        groups.buckets.setdefault(bucket, Stats()),
        groups.models.setdefault(model, Stats()),
        groups.total,
    ):
        _add(target, cell)


def _span_groups(engine: Engine, step: int, where) -> _Groups:
    """Sums per (bucket, model) cell in SQL, rolled up here; percentiles from the durations."""
    bucket = (_epoch(engine) // step).label("bucket")
    model = _model_expression().label("model")
    sums = (
        select(
            bucket,
            model,
            func.count().label("calls"),
            func.sum(case((spans.c.status_code == "ERROR", 1), else_=0)).label("errors"),
            func.sum(spans.c.input_tokens).label("input_tokens"),
            func.sum(spans.c.output_tokens).label("output_tokens"),
            func.sum(spans.c.cost_usd).label("cost_usd"),
        )
        .where(*where)
        .group_by(bucket, model)
    )
    groups = _Groups()
    durations: dict[str, dict[Any, list[float]]] = {kind: defaultdict(list) for kind in ("buckets", "models")}
    total_durations: list[float] = []
    with engine.connect() as connection:
        for row in connection.execute(sums):
            cell = groups.cells[(row.bucket, row.model)] = _stats(row)
            _add_everywhere(groups, row.bucket, row.model, cell)
        for b, m, duration in connection.execute(select(bucket, model, spans.c.duration_ms).where(*where)):
            durations["buckets"][b].append(duration)
            durations["models"][m].append(duration)
            total_durations.append(duration)
    for kind, found in durations.items():
        for key, values in found.items():
            _set_percentiles(getattr(groups, kind)[key], values)
    _set_percentiles(groups.total, total_durations)
    return groups


def _epoch(engine: Engine):
    """Unix seconds of a span's start, as an integer."""
    if engine.dialect.name == "postgresql":
        return cast(func.floor(extract("epoch", spans.c.start_time)), BigInteger)
    return cast(func.strftime("%s", spans.c.start_time), Integer)


def _stats(row) -> Stats:
    known_cost = row.cost_usd is not None and getattr(row, "cost_n", 1) > 0
    return Stats(
        calls=int(row.calls),
        errors=int(row.errors or 0),
        input_tokens=int(row.input_tokens or 0),
        output_tokens=int(row.output_tokens or 0),
        cost_usd=float(row.cost_usd) if known_cost else None,
    )


def _add(total: Stats, part: Stats) -> None:
    total.calls += part.calls
    total.errors += part.errors
    total.input_tokens += part.input_tokens
    total.output_tokens += part.output_tokens
    if part.cost_usd is not None:
        total.cost_usd = (total.cost_usd or 0.0) + part.cost_usd


def _set_percentiles(stats: Stats, values: list[float]) -> None:
    stats.p50_ms = percentile(values, 0.5)
    stats.p95_ms = percentile(values, 0.95)


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (what Postgres ``percentile_cont`` computes)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def filter_options(engine: Engine, project_id: int) -> dict[str, list[str]]:
    """Values to suggest in the traces filters: providers and models of the last 30 days' calls
    (from the rollups), prompt names, experiments and variants ever tagged (one probe of their
    partial index per value, however many spans carry it)."""
    since = int((datetime.now(UTC) - OPTIONS_WINDOW).timestamp()) // 3600 * 3600
    with engine.connect() as connection:
        found = rollup.models_and_providers(connection, project_id, since, OPTIONS_LIMIT)
        found["prompt_name"] = _distinct(connection, "prompt_name", project_id)
        found["experiment"] = _distinct(connection, "experiment", project_id)
        variants: set[str] = set()
        for experiment in found["experiment"]:
            variants.update(_distinct(connection, "variant", project_id, experiment))
        found["variant"] = sorted(variants)[:OPTIONS_LIMIT]
    return found


# Distinct values in order without reading every row: each step asks the index for the smallest
# value after the previous one (a "loose index scan"). ``{column}`` is one of a fixed set of names.
_DISTINCT_SQL = """
WITH RECURSIVE found(value) AS (
    SELECT min({column}) FROM spans WHERE project_id = :p AND {column} IS NOT NULL {also}
    UNION ALL
    SELECT (SELECT min({column}) FROM spans WHERE project_id = :p AND {column} > found.value {also})
    FROM found WHERE found.value IS NOT NULL
)
SELECT value FROM found WHERE value IS NOT NULL LIMIT :limit
"""


def _distinct(connection, column: str, project_id: int, experiment: str | None = None) -> list[str]:
    assert column in ("prompt_name", "experiment", "variant")
    also = "AND experiment = :e" if experiment is not None else ""
    sql = text(_DISTINCT_SQL.replace("{column}", column).replace("{also}", also))
    params = {"p": project_id, "limit": OPTIONS_LIMIT, "e": experiment}
    return list(connection.execute(sql, params).scalars())


def has_spans(engine: Engine, project_id: int) -> bool:
    stmt = select(spans.c.span_id).where(spans.c.project_id == project_id).limit(1)
    with engine.connect() as connection:
        return connection.execute(stmt).first() is not None
