"""Statistics of an evaluation run, with scipy (server side only).

Per variant and evaluator: n, and the mean (numeric scores; Student's t 95 % interval) or the pass
rate (pass/fail; Wilson 95 % interval). Repeats of an item are averaged per item first, so an item
run five times counts once, with its mean.

Comparing a variant with the baseline (the first variant):
- both ran the same items → a paired test on the items both have: McNemar's exact test (a binomial
  test on the discordant pairs) when every per-item value is pass or fail, otherwise the paired
  t-test (its 95 % interval is that of the mean difference); the Wilcoxon signed-rank p-value is
  reported beside it for numeric scores;
- otherwise → Welch's t-test on the item means (``otel_llm.experiments.stats``).
- Holm's correction across every (variant, evaluator) comparison of the run.
- No verdict of "significant" below ``MIN_PAIRS`` items or when the differences do not vary
  (p is then None: no test can say how sure a constant difference is).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from scipy import stats as sps

from otel_llm.experiments import stats as experiment_stats

ALPHA = 0.05
CONFIDENCE = 0.95
MIN_PAIRS = 8
"""Fewest paired items (or items per variant, unpaired) for a comparison to be called significant."""


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class Comparison:
    """Candidate − baseline on one evaluator: the difference with its 95 % interval and the test."""

    n: int  # paired items, or the smaller group unpaired
    paired: bool
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    test: str
    wilcoxon_p: float | None = None
    p_adjusted: float | None = None
    reason: str | None = None  # why there is no p-value, or why it cannot be significant

    @property
    def significant(self) -> bool:
        return self.p_adjusted is not None and self.p_adjusted < ALPHA and self.n >= MIN_PAIRS


def item_means(values: list[tuple[object, float]]) -> dict[object, float]:
    """``(item, value)`` pairs → each item's mean over its repeats."""
    sums: dict[object, list[float]] = {}
    for item, value in values:
        entry = sums.setdefault(item, [0.0, 0])
        entry[0] += value
        entry[1] += 1
    return {item: total / count for item, (total, count) in sums.items()}


def summarise(values: list[float], boolean: bool) -> Summary:
    """n and mean (or rate) of per-item values with the 95 % interval."""
    n = len(values)
    if n == 0:
        return Summary(0, None, None, None)
    mean = math.fsum(values) / n
    if boolean and all(v in (0.0, 1.0) for v in values):
        interval = sps.binomtest(int(sum(values)), n).proportion_ci(CONFIDENCE, method="wilson")
        return Summary(n, mean, float(interval.low), float(interval.high))
    if n < 2:
        return Summary(n, mean, None, None)
    sd = _sd(values, mean)
    half = sps.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * sd / math.sqrt(n)
    return Summary(n, mean, mean - half, mean + half)


def _sd(values: list[float], mean: float) -> float:
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))


def compare(baseline: Mapping[object, float], candidate: Mapping[object, float]) -> Comparison:
    """Candidate vs baseline from per-item means; paired on the items both have when they ran the
    same items."""
    common = [item for item in baseline if item in candidate]
    if common and len(common) == len(baseline) == len(candidate):
        return paired([baseline[i] for i in common], [candidate[i] for i in common])
    return unpaired(list(baseline.values()), list(candidate.values()))


def paired(baseline: list[float], candidate: list[float]) -> Comparison:
    n = len(baseline)
    differences = [c - b for b, c in zip(baseline, candidate, strict=True)]
    mean = math.fsum(differences) / n if n else None
    if n < 2:
        return Comparison(n, True, mean, None, None, None, "paired", reason="fewer than 2 paired items")
    if all(v in (0.0, 1.0) for v in baseline + candidate):
        return _mcnemar(baseline, candidate, mean)
    sd = _sd(differences, mean)
    if sd == 0:
        return Comparison(n, True, mean, mean, mean, None, "paired t-test", reason=_constant(mean))
    t = sps.ttest_rel(candidate, baseline)
    half = sps.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * sd / math.sqrt(n)
    wilcoxon = sps.wilcoxon(candidate, baseline) if any(differences) else None
    return Comparison(
        n, True, mean, mean - half, mean + half, float(t.pvalue), "paired t-test",
        wilcoxon_p=float(wilcoxon.pvalue) if wilcoxon is not None else None,
    )  # fmt: skip


def _mcnemar(baseline: list[float], candidate: list[float], mean: float) -> Comparison:
    """Exact McNemar: of the items where only one side passed, is the split 50/50?"""
    n = len(baseline)
    gained = sum(1 for b, c in zip(baseline, candidate, strict=True) if c > b)
    lost = sum(1 for b, c in zip(baseline, candidate, strict=True) if c < b)
    discordant = gained + lost
    se = math.sqrt(max(discordant - (gained - lost) ** 2 / n, 0.0)) / n
    half = sps.norm.ppf(0.5 + CONFIDENCE / 2) * se
    if discordant == 0:
        return Comparison(n, True, mean, mean, mean, None, "McNemar's exact test", reason=_constant(mean))
    p = float(sps.binomtest(gained, discordant, 0.5).pvalue)
    return Comparison(n, True, mean, mean - half, mean + half, p, "McNemar's exact test")


def unpaired(baseline: list[float], candidate: list[float]) -> Comparison:
    b = summarise(baseline, False)
    c = summarise(candidate, False)
    n = min(b.n, c.n)
    if n < 2:
        return Comparison(
            n, False, None, None, None, None, "Welch's t-test", reason="fewer than 2 items per variant"
        )
    sample_b = experiment_stats.Sample(b.n, b.mean, _sd(baseline, b.mean))
    sample_c = experiment_stats.Sample(c.n, c.mean, _sd(candidate, c.mean))
    result = experiment_stats.compare_means(sample_c, sample_b)
    difference = c.mean - b.mean
    if result is None:
        return Comparison(
            n, False, difference, None, None, None, "Welch's t-test", reason=_constant(difference)
        )
    return Comparison(n, False, difference, result.ci_low, result.ci_high, result.p_value, result.test)


def _constant(difference: float | None) -> str:
    if not difference:
        return "no item scored differently"
    return "every item differs by the same amount, so there is no variation to test"


def adjust(comparisons: list[Comparison]) -> list[Comparison]:
    """Holm's correction across the comparisons that have a p-value; the others stay without."""
    from dataclasses import replace

    tested = [i for i, c in enumerate(comparisons) if c.p_value is not None]
    adjusted = experiment_stats.holm([comparisons[i].p_value for i in tested])  # type: ignore[misc]
    out = list(comparisons)
    for index, p in zip(tested, adjusted, strict=True):
        reason = out[index].reason
        if out[index].n < MIN_PAIRS:
            reason = (
                f"only {out[index].n} items; at least {MIN_PAIRS} are needed to call a difference significant"
            )
        out[index] = replace(out[index], p_adjusted=p, reason=reason)
    return out
