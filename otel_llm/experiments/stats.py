"""Statistics of a variant against the control, with scipy.

- Success rate (a proportion): two-proportion z-test with the pooled standard error; when any
  expected cell count of the 2×2 table is below 5, Fisher's exact test instead. The 95 % interval of
  the difference is the Wald interval (unpooled standard error).
- Latency, cost and feedback score (means): Welch's t-test (unequal variances) from each group's
  mean, standard deviation and count; the 95 % interval uses the Welch–Satterthwaite degrees of freedom.
- Several challengers: Holm's step-down correction of the p-values across variants, per metric.
- Sample size for 80 % power at the observed effect, two-sided α = 0.05, per variant:
  proportions  n = (z₁₋α/₂·√(2·p̄·q̄) + z₁₋β·√(p₁q₁ + p₀q₀))² / (p₁ − p₀)²   (Fleiss, without continuity correction)
  means        n = (z₁₋α/₂ + z₁₋β)² · (s₁² + s₀²) / (m₁ − m₀)²
  "still needed" is that n minus the smaller group's current size (never below 0).
This module imports scipy: only the CLI and the console import it, never ``import otel_llm``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as sps

ALPHA = 0.05
POWER = 0.80
CONFIDENCE = 0.95
MIN_EXPECTED_COUNT = 5
MIN_SAMPLE = 5
"""Fewest values per group for a difference to be called significant, whatever its p-value."""


@dataclass(frozen=True)
class TestResult:
    """Difference (variant − control) with its 95 % interval and a two-sided p-value."""

    __test__ = False

    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    test: str
    needed_per_variant: int | None


@dataclass(frozen=True)
class Sample:
    """Summary of one group for a mean: count, mean, sample standard deviation."""

    n: int
    mean: float
    sd: float


def compare_proportions(successes: int, n: int, control_successes: int, control_n: int) -> TestResult | None:
    """Variant vs control success rates; None when either group has no calls."""
    if n == 0 or control_n == 0:
        return None
    p1, p0 = successes / n, control_successes / control_n
    difference = p1 - p0
    half = sps.norm.ppf(0.5 + CONFIDENCE / 2) * math.sqrt(p1 * (1 - p1) / n + p0 * (1 - p0) / control_n)
    table = [[successes, n - successes], [control_successes, control_n - control_successes]]
    if _min_expected(table) < MIN_EXPECTED_COUNT:
        p_value = float(sps.fisher_exact(table).pvalue)
        test = "Fisher's exact test"
    else:
        p_value = _z_test(successes, n, control_successes, control_n)
        test = "two-proportion z-test"
    needed = _needed(proportion_sample_size(p1, p0), min(n, control_n))
    return TestResult(difference, difference - half, difference + half, p_value, test, needed)


def _min_expected(table: list[list[int]]) -> float:
    rows = [sum(r) for r in table]
    cols = [table[0][j] + table[1][j] for j in range(2)]
    total = sum(rows)
    return min(rows[i] * cols[j] / total for i in range(2) for j in range(2))


def _z_test(s1: int, n1: int, s0: int, n0: int) -> float:
    pooled = (s1 + s0) / (n1 + n0)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    if se == 0:
        return 1.0
    z = (s1 / n1 - s0 / n0) / se
    return float(2 * sps.norm.sf(abs(z)))


def compare_means(variant: Sample, control: Sample) -> TestResult | None:
    """Welch's t-test of variant vs control means; None when a group has fewer than 2 values or
    both are constant (4 × 5.0 vs 4 × 4.0 is no evidence of anything, not p = 0)."""
    if variant.n < 2 or control.n < 2:
        return None
    difference = variant.mean - control.mean
    v1, v0 = variant.sd**2 / variant.n, control.sd**2 / control.n
    se = math.sqrt(v1 + v0)
    needed = _needed(mean_sample_size(difference, variant.sd, control.sd), min(variant.n, control.n))
    if se == 0:  # both groups constant: no test can say how sure a difference is
        return None
    df = (v1 + v0) ** 2 / (v1**2 / (variant.n - 1) + v0**2 / (control.n - 1))
    p_value = float(
        sps.ttest_ind_from_stats(
            variant.mean, variant.sd, variant.n, control.mean, control.sd, control.n, equal_var=False
        ).pvalue
    )
    half = sps.t.ppf(0.5 + CONFIDENCE / 2, df) * se
    return TestResult(difference, difference - half, difference + half, p_value, "Welch's t-test", needed)


def mean_interval(sample: Sample) -> tuple[float, float] | None:
    """95 % confidence interval of one group's mean (Student's t), or None under 2 values."""
    if sample.n < 2:
        return None
    half = sps.t.ppf(0.5 + CONFIDENCE / 2, sample.n - 1) * sample.sd / math.sqrt(sample.n)
    return (sample.mean - half, sample.mean + half)


def proportion_sample_size(p1: float, p0: float, alpha: float = ALPHA, power: float = POWER) -> float | None:
    """Calls per variant to detect p₁ vs p₀ (two-sided), or None when there is no difference."""
    if p1 == p0:
        return None
    z_a, z_b = sps.norm.ppf(1 - alpha / 2), sps.norm.ppf(power)
    mean = (p1 + p0) / 2
    top = z_a * math.sqrt(2 * mean * (1 - mean)) + z_b * math.sqrt(p1 * (1 - p1) + p0 * (1 - p0))
    return top**2 / (p1 - p0) ** 2


def mean_sample_size(
    difference: float, sd1: float, sd0: float, alpha: float = ALPHA, power: float = POWER
) -> float | None:
    """Values per variant to detect a difference of means (two-sided), or None when there is none."""
    if difference == 0:
        return None
    z_a, z_b = sps.norm.ppf(1 - alpha / 2), sps.norm.ppf(power)
    return (z_a + z_b) ** 2 * (sd1**2 + sd0**2) / difference**2


def _needed(required: float | None, have: int) -> int | None:
    if required is None:
        return None
    return max(0, math.ceil(required) - have)


def holm(p_values: list[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values, in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted
