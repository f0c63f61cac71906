"""Results in words a non-statistician understands ("B is 18 % faster than A; this is unlikely to be
chance, p = 0.003")."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from otel_llm.experiments.model import Experiment
    from otel_llm.experiments.results import Comparison

_WORDS = {
    # metric: (word when the variant's value is higher, word when lower)
    "latency_ms": ("slower", "faster"),
    "cost_usd": ("more expensive", "cheaper"),
}


def format_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def describe(c: Comparison) -> str:
    """One sentence: what differs, by how much, and whether it is likely to be chance."""
    return f"{_difference(c)}; {_chance(c)}"


def _difference(c: Comparison) -> str:
    if c.difference == 0:
        return f"{c.variant} and {c.control} do not differ in {_metric_name(c.metric)}"
    if c.metric in _WORDS:
        word = _WORDS[c.metric][0 if c.difference > 0 else 1]
        if c.relative is not None:
            percent = abs(c.relative) * 100
            shown = f"{percent:.0f}" if percent >= 10 else f"{percent:.1f}"
            return f"{c.variant} is {shown} % {word} than {c.control}"
        return f"{c.variant} is {word} than {c.control}"
    if c.metric == "success_rate":
        more = "more" if c.difference > 0 else "less"
        points = abs(c.difference) * 100
        return f"{c.variant} succeeds {points:.1f} percentage points {more} often than {c.control}"
    higher = "higher" if c.difference > 0 else "lower"
    return f"{c.variant} gets a {abs(c.difference):.2f} {higher} feedback score than {c.control}"


def _chance(c: Comparison) -> str:
    shown = format_p(c.p_adjusted)
    if c.significant:
        return f"this is unlikely to be chance, {shown}"
    if c.p_adjusted < 0.05:
        return f"too few values to tell ({shown}, but at least 5 per variant are needed)"
    needed = (
        f"; about {c.needed_per_variant} more calls per variant would tell" if c.needed_per_variant else ""
    )
    return f"this could be chance ({shown}){needed}"


def _metric_name(metric: str) -> str:
    return {
        "latency_ms": "latency",
        "cost_usd": "cost",
        "success_rate": "success rate",
        "feedback_score": "feedback score",
    }[metric]


def verdict(experiment: Experiment, comparisons: list[Comparison], winner: str | None) -> str:
    metric = _metric_name(experiment.primary_metric)
    if winner is not None:
        return f"{winner} wins on {metric} (significant at α = 0.05 after Holm's correction)."
    if not any(c.metric == experiment.primary_metric for c in comparisons):
        return f"Not enough data yet to compare {metric}: every variant needs at least 2 calls."
    return f"No winner yet: no difference in {metric} is significant at α = 0.05."
