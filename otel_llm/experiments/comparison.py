"""One challenger against the control on one metric: the difference, its interval, the test's p-value
(raw and after Holm's correction) and the sentence that says it (``wording``)."""

from __future__ import annotations

from dataclasses import dataclass


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
