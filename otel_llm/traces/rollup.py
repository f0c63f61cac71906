"""The overview's figures read from the rollups (``schema_overview``), whatever the number of spans.

Calls, errors, tokens and cost are sums kept exact by the triggers of migration
``0018_overview_rollups``, so they equal the figures computed from the spans. Latency percentiles
come from the log-spaced histograms: each bucket spans a factor e^(1/10) ≈ 1.105, and a percentile
is interpolated like ``percentile_cont`` (linear between the order statistics around rank
q·(n − 1)), each order statistic estimated by its bucket's geometric middle. Every estimate is then
within a factor e^(1/20) of the true value: the relative error is at most ``RELATIVE_ERROR`` ≈ 5.1 %
(durations under 0.01 ms count as 0.01 ms).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

from sqlalchemy import Connection, case, func, select

from otel_llm.storage.schema_overview import (
    BUCKETS_PER_E,
    FIRST_BUCKET,
    FLOOR_MS,
    LAST_BUCKET,
    LATENCY_PERIODS,
)
from otel_llm.storage.schema_overview import overview_latency as latency
from otel_llm.storage.schema_overview import overview_rollups as rollups

RELATIVE_ERROR = math.exp(1 / (2 * BUCKETS_PER_E)) - 1
Cell = tuple[int, str]  # (time bucket number, model)


def bucket_of(duration_ms: float) -> int:
    """The latency bucket a duration is counted in (what the triggers compute)."""
    return min(math.floor(math.log(max(duration_ms, FLOOR_MS)) * BUCKETS_PER_E), LAST_BUCKET)


def sums(conn: Connection, project_id: int, since: int, step: int) -> list:
    """Per (time bucket, model): calls, errors, token sums, cost count and sum, from ``since``
    (Unix seconds, a multiple of ``step``, itself a multiple of an hour)."""
    r = rollups.c
    bucket = (r.hour // step).label("bucket")
    query = (
        select(
            bucket,
            r.model,
            func.sum(r.calls).label("calls"),
            func.sum(case((r.status == "ERROR", r.calls), else_=0)).label("errors"),
            func.sum(r.input_tokens).label("input_tokens"),
            func.sum(r.output_tokens).label("output_tokens"),
            func.sum(r.cost_n).label("cost_n"),
            func.sum(r.cost_usd).label("cost_usd"),
        )
        .where(r.project_id == project_id, r.hour >= since)
        .group_by(bucket, r.model)
        .having(func.sum(r.calls) > 0)
    )
    return list(conn.execute(query))


def histograms(conn: Connection, project_id: int, since: int, step: int) -> dict[Cell, Counter]:
    """Latency bucket counts per (time bucket, model), from the longest period dividing ``step``."""
    period = max(p for p in LATENCY_PERIODS if step % p == 0)
    t = latency.c
    bucket = (t.start // step).label("bucket")
    query = (
        select(bucket, t.model, t.bucket.label("latency"), func.sum(t["count"]).label("n"))
        .where(t.project_id == project_id, t.period == period, t.start >= since)
        .group_by(bucket, t.model, t.bucket)
        .having(func.sum(t["count"]) > 0)
    )
    found: dict[Cell, Counter] = defaultdict(Counter)
    for row in conn.execute(query):
        found[(row.bucket, row.model)][row.latency] += int(row.n)
    return found


def models_and_providers(conn: Connection, project_id: int, since: int, limit: int) -> dict[str, list[str]]:
    """Models and providers of the project's calls since ``since`` (Unix seconds, on the hour)."""
    r = rollups.c
    query = (
        select(r.model, r.provider).where(r.project_id == project_id, r.hour >= since, r.calls > 0).distinct()
    )
    pairs = conn.execute(query).all()
    models = sorted({m for m, _ in pairs if m != "(unknown)"})
    providers = sorted({p for _, p in pairs if p})
    return {"provider": providers[:limit], "model": models[:limit]}


def percentile(counts: Counter, q: float) -> float | None:
    """Percentile ``q`` (0–1) of the durations counted in ``counts`` (bucket → count)."""
    ordered = sorted((b, c) for b, c in counts.items() if c > 0)
    n = sum(c for _, c in ordered)
    if n == 0:
        return None
    rank = q * (n - 1)
    below = math.floor(rank)
    lower = _order_statistic(ordered, below)
    if rank == below:
        return lower
    return lower + (rank - below) * (_order_statistic(ordered, below + 1) - lower)


def _order_statistic(ordered: Iterable[tuple[int, int]], k: int) -> float:
    """Estimate of the k-th smallest duration (0-based): its bucket's geometric middle."""
    seen = 0
    for bucket, count in ordered:
        seen += count
        if k < seen:
            return math.exp((bucket + 0.5) / BUCKETS_PER_E) if bucket > FIRST_BUCKET else FLOOR_MS
    raise IndexError(k)
