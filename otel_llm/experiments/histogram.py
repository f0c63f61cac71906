"""Latency percentiles from a log-scale histogram (the Postgres rollup of experiment spans).

A successful call's duration d (ms) is counted in bucket ``floor(ln(max(d, 0.01)) · 40)``: bucket b
holds [e^(b/40), e^((b+1)/40)), each ≈ 2.5 % wider than the one before. The Postgres trigger of
migration ``0006_experiment_rollups`` computes the same expression (a test checks they agree).

A percentile is interpolated like ``percentile_cont`` (linear between the two order statistics
around rank q·(n − 1)), each order statistic being estimated by the geometric middle of its
bucket, kept inside the observed [min, max]. Every estimate is then within a factor e^(1/80) of the
true order statistic, and so is their interpolation: the relative error is at most
``RELATIVE_ERROR`` ≈ 1.26 % (durations under 0.01 ms count as 0.01 ms).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

BUCKETS_PER_E = 40
FLOOR_MS = 0.01
RELATIVE_ERROR = math.exp(1 / (2 * BUCKETS_PER_E)) - 1


def bucket_of(duration_ms: float) -> int:
    """The bucket a duration is counted in (same expression as the Postgres trigger)."""
    return math.floor(math.log(max(duration_ms, FLOOR_MS)) * BUCKETS_PER_E)


def _middle(bucket: int) -> float:
    return math.exp((bucket + 0.5) / BUCKETS_PER_E)


def percentile(
    counts: Sequence[tuple[int, int]], q: float, low: float | None = None, high: float | None = None
) -> float | None:
    """Percentile ``q`` (0–1) of the values counted in ``counts`` — (bucket, count) pairs in any
    order — clamped to the observed ``low``/``high`` when known; None when there is no value."""
    ordered = sorted((b, c) for b, c in counts if c > 0)
    n = sum(c for _, c in ordered)
    if n == 0:
        return None
    rank = q * (n - 1)
    below = math.floor(rank)
    lower = _order_statistic(ordered, below, low, high)
    if rank == below:
        return lower
    upper = _order_statistic(ordered, below + 1, low, high)
    return lower + (rank - below) * (upper - lower)


def _order_statistic(ordered: list[tuple[int, int]], k: int, low: float | None, high: float | None) -> float:
    """Estimate of the k-th smallest value (0-based)."""
    seen = 0
    for bucket, count in ordered:
        seen += count
        if k < seen:
            value = _middle(bucket)
            break
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value
