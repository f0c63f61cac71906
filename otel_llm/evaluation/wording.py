"""Comparisons in plain words ("b scores 0.21 higher than a on similarity (95 % interval 0.15 to
0.27, paired t-test over 40 items, p < 0.001 after Holm's correction): b is better.")."""

from __future__ import annotations

from otel_llm.evaluation import stats


def format_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def amount(evaluator: str, value: float) -> str:
    """A difference in the evaluator's units: percentage points for rates, else the scale's."""
    return f"{abs(value) * 100:.1f} points" if _is_rate(evaluator) else f"{abs(value):.3g}"


def _is_rate(evaluator: str) -> bool:
    return not (evaluator.startswith("judge:") or evaluator == "similarity")


def describe(evaluator: str, baseline: str, candidate: str, c: stats.Comparison) -> str:
    if c.difference is None:
        return f"{candidate} and {baseline} cannot be compared on {evaluator}: {c.reason}."
    if c.difference == 0:
        head = f"{candidate} and {baseline} score the same on {evaluator}"
    else:
        word = "higher" if c.difference > 0 else "lower"
        head = f"{candidate} scores {amount(evaluator, c.difference)} {word} than {baseline} on {evaluator}"
    how = f"{c.test} over {c.n} {'paired ' if c.paired else ''}items"
    if c.ci_low is not None and c.ci_high is not None and c.p_value is not None:
        how = f"95 % interval {c.ci_low:+.3g} to {c.ci_high:+.3g}, {how}"
    if c.p_adjusted is None:
        return f"{head} ({how}); no test is possible: {c.reason}."
    shown = f"{format_p(c.p_adjusted)} after Holm's correction"
    if c.significant:
        side = candidate if c.difference > 0 else baseline
        return f"{head} ({how}, {shown}): {side} is better, and this is unlikely to be chance."
    if c.reason:
        return f"{head} ({how}, {shown}); not called significant: {c.reason}."
    return f"{head} ({how}, {shown}); this could be chance."
