"""Results of an experiment: per-variant metrics and each challenger against the control.

Spans are attributed to a variant only by their experiment/variant tags (``aggregate``); the tests
are in ``stats`` (two-proportion z-test or Fisher's exact test for success rate, Welch's t-test for
latency, cost and feedback score; Holm's correction across variants; α = 0.05). A winner is declared
only when the primary metric's difference is significant. Imports scipy: CLI and console only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Engine

from otel_llm.experiments import service, stats, wording
from otel_llm.experiments.aggregate import Moments, VariantRow, summarise
from otel_llm.experiments.model import HIGHER_IS_BETTER, METRICS, Experiment

METHODS = {
    "success_rate": "two-proportion z-test (Fisher's exact test when an expected count is below 5)",
    "latency_ms": "Welch's t-test on successful calls",
    "cost_usd": "Welch's t-test on calls with a known cost",
    "feedback_score": "Welch's t-test on feedback scores",
}


@dataclass(frozen=True)
class VariantStats:
    name: str
    is_control: bool
    model: str
    provider: str
    calls: int
    successes: int
    success_rate: float | None
    latency_mean_ms: float | None
    latency_sd_ms: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_ci_ms: tuple[float, float] | None  # 95 % interval of the mean
    input_tokens: int
    output_tokens: int
    cost_total_usd: float | None
    cost_mean_usd: float | None
    cost_sd_usd: float | None
    cost_ci_usd: tuple[float, float] | None
    feedback_mean: float | None
    feedback_count: int


@dataclass(frozen=True)
class Comparison:
    metric: str
    variant: str
    control: str
    control_value: float | None
    variant_value: float | None
    difference: float
    relative: float | None  # difference / control value
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float
    significant: bool
    better: bool  # the variant is better than the control on this metric (whatever the significance)
    test: str
    needed_per_variant: int | None
    summary: str


@dataclass(frozen=True)
class Results:
    experiment: dict[str, Any]
    primary_metric: str
    alpha: float
    variants: list[VariantStats]
    comparisons: list[Comparison]
    winner: str | None
    verdict: str
    methods: dict[str, str] = field(default_factory=lambda: dict(METHODS))

    def comparisons_for(self, variant: str) -> list[Comparison]:
        return [c for c in self.comparisons if c.variant == variant]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def experiment_results(engine: Engine, project: str, name: str) -> Results:
    """Compute the results of experiment ``name`` from its tagged spans."""
    with engine.connect() as conn:
        project_id, experiment = service.load(conn, project, name)
        rows = summarise(conn, project_id, experiment.name)
    variants = [_variant_stats(experiment, v.name, rows.get(v.name)) for v in experiment.variants]
    comparisons = _compare_all(experiment, rows)
    winner = _winner(experiment, comparisons)
    return Results(
        experiment=experiment.to_dict(),
        primary_metric=experiment.primary_metric,
        alpha=stats.ALPHA,
        variants=variants,
        comparisons=comparisons,
        winner=winner,
        verdict=wording.verdict(experiment, comparisons, winner),
    )


def _variant_stats(experiment: Experiment, name: str, row: VariantRow | None) -> VariantStats:
    spec = experiment.variant(name)
    assert spec is not None
    row = row or VariantRow(
        name, 0, 0, Moments(0, 0, 0), None, None, 0, 0, Moments(0, 0, 0), Moments(0, 0, 0)
    )
    return VariantStats(
        name=name,
        is_control=spec.is_control,
        model=spec.config.get("model", ""),
        provider=spec.config.get("provider", ""),
        calls=row.calls,
        successes=row.successes,
        success_rate=row.successes / row.calls if row.calls else None,
        latency_mean_ms=row.latency.mean,
        latency_sd_ms=row.latency.sd,
        latency_p50_ms=row.p50_ms,
        latency_p95_ms=row.p95_ms,
        latency_ci_ms=_interval(row.latency),
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        cost_total_usd=row.cost.total if row.cost.n else None,
        cost_mean_usd=row.cost.mean,
        cost_sd_usd=row.cost.sd,
        cost_ci_usd=_interval(row.cost),
        feedback_mean=row.feedback.mean,
        feedback_count=row.feedback.n,
    )


def _interval(moments: Moments) -> tuple[float, float] | None:
    if moments.n < 2:
        return None
    return stats.mean_interval(stats.Sample(moments.n, moments.mean, moments.sd))


def _compare_all(experiment: Experiment, rows: dict[str, VariantRow]) -> list[Comparison]:
    control = experiment.control.name
    challengers = [v.name for v in experiment.variants if not v.is_control]
    comparisons: list[Comparison] = []
    for metric in METRICS:
        tested = [(name, _test(metric, rows.get(name), rows.get(control))) for name in challengers]
        tested = [(name, result) for name, result in tested if result is not None]
        adjusted = stats.holm([result.p_value for _, result in tested])
        for (name, result), p_adjusted in zip(tested, adjusted, strict=True):
            comparisons.append(_comparison(metric, name, control, rows, result, p_adjusted))
    return comparisons


def _test(metric: str, row: VariantRow | None, control: VariantRow | None) -> stats.TestResult | None:
    if row is None or control is None:
        return None
    if metric == "success_rate":
        return stats.compare_proportions(row.successes, row.calls, control.successes, control.calls)
    a, b = _moments(metric, row), _moments(metric, control)
    if a.n < 2 or b.n < 2:
        return None
    return stats.compare_means(stats.Sample(a.n, a.mean, a.sd), stats.Sample(b.n, b.mean, b.sd))


def _moments(metric: str, row: VariantRow) -> Moments:
    return {"latency_ms": row.latency, "cost_usd": row.cost, "feedback_score": row.feedback}[metric]


def _value(metric: str, row: VariantRow | None) -> float | None:
    if row is None:
        return None
    if metric == "success_rate":
        return row.successes / row.calls if row.calls else None
    return _moments(metric, row).mean


def _comparison(metric, name, control, rows, result: stats.TestResult, p_adjusted: float) -> Comparison:
    control_value = _value(metric, rows.get(control))
    relative = result.difference / control_value if control_value else None
    better = result.difference > 0 if HIGHER_IS_BETTER[metric] else result.difference < 0
    significant = (
        p_adjusted < stats.ALPHA and _smallest_group(metric, name, control, rows) >= stats.MIN_SAMPLE
    )
    comparison = Comparison(
        metric=metric,
        variant=name,
        control=control,
        control_value=control_value,
        variant_value=_value(metric, rows.get(name)),
        difference=result.difference,
        relative=relative,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        p_value=result.p_value,
        p_adjusted=p_adjusted,
        significant=significant,
        better=better,
        test=result.test,
        needed_per_variant=result.needed_per_variant,
        summary="",
    )
    return _with_summary(comparison)


def _smallest_group(metric: str, name: str, control: str, rows: dict[str, VariantRow]) -> int:
    def size(row: VariantRow | None) -> int:
        if row is None:
            return 0
        return row.calls if metric == "success_rate" else _moments(metric, row).n

    return min(size(rows.get(name)), size(rows.get(control)))


def _with_summary(comparison: Comparison) -> Comparison:
    from dataclasses import replace

    return replace(comparison, summary=wording.describe(comparison))


def _winner(experiment: Experiment, comparisons: list[Comparison]) -> str | None:
    """The best challenger significantly better than the control on the primary metric; the control
    when every challenger is significantly worse; otherwise none."""
    primary = [c for c in comparisons if c.metric == experiment.primary_metric]
    challengers = [v for v in experiment.variants if not v.is_control]
    if not primary or len(primary) < len(challengers):
        return None
    better = [c for c in primary if c.significant and c.better]
    if better:
        sign = 1 if HIGHER_IS_BETTER[experiment.primary_metric] else -1
        return max(better, key=lambda c: sign * c.difference).variant
    if all(c.significant and not c.better for c in primary):
        return experiment.control.name
    return None
