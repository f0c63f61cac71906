"""Per-variant summary rows of an experiment, whichever way they were read (exact aggregate or
Postgres rollups): counts, moments and percentiles, from which ``results`` computes statistics."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Moments:
    """Count, mean and sample standard deviation from SQL sums."""

    n: int
    total: float
    sum_squares: float

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def sd(self) -> float | None:
        if self.n < 2:
            return None
        variance = (self.sum_squares - self.total**2 / self.n) / (self.n - 1)
        return math.sqrt(max(variance, 0.0))


NO_VALUES = Moments(0, 0.0, 0.0)


@dataclass(frozen=True)
class VariantRow:
    variant: str
    calls: int
    successes: int
    latency: Moments
    p50_ms: float | None
    p95_ms: float | None
    input_tokens: int
    output_tokens: int
    cost: Moments
    feedback: Moments
