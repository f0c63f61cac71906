"""What every evaluator takes and gives back.

An evaluator has a ``name`` and a ``version`` (both recorded with every result, so a changed
evaluator never mixes with an old one in a comparison), a ``kind`` (``boolean`` pass/fail or
``numeric`` on ``scale``), and ``evaluate(case) -> Outcome``. An evaluator that cannot judge an item
raises ``EvaluatorError`` (or anything else): the run records it as that item's evaluator error,
never as a score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BOOLEAN = "boolean"
NUMERIC = "numeric"


class EvaluatorError(Exception):
    """An evaluator could not judge an item (bad pattern, unparseable judge answer…); ``cost_usd``
    is what a judge call cost even so."""

    def __init__(self, message: str, *, cost_usd: float | None = None, span_id: str | None = None) -> None:
        super().__init__(message)
        self.cost_usd = cost_usd
        self.span_id = span_id


class UnknownEvaluator(EvaluatorError):
    pass


@dataclass(frozen=True)
class Case:
    """One answer to judge: the model's ``output`` text, the dataset item's ``expected`` output (if
    any), its ``input`` (messages or prompt variables) and ``metadata``."""

    output: str
    expected: str | None = None
    input: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    span_id: str | None = None  # the answer's span, when it was stored


@dataclass(frozen=True)
class Outcome:
    """An evaluator's verdict: ``value`` (1.0/0.0 for pass/fail), an optional ``comment`` (a judge's
    rationale), and the cost of any model call it made."""

    value: float
    comment: str | None = None
    cost_usd: float | None = None
    span_id: str | None = None


@dataclass(frozen=True)
class Scale:
    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


PASS_FAIL = Scale(0.0, 1.0)


class Evaluator:
    """Subclasses set ``name``, ``version``, ``kind``, ``scale`` and implement ``evaluate``."""

    name: str = ""
    version: str = "1"
    kind: str = BOOLEAN
    scale: Scale = PASS_FAIL
    makes_calls: bool = False
    """True for evaluators that call a model (a judge): their calls are spans, costed in the run."""

    def evaluate(self, case: Case) -> Outcome:
        raise NotImplementedError

    @property
    def label(self) -> str:
        """``name@version``, as results and scores name the evaluator."""
        return f"{self.name}@{self.version}"

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "kind": self.kind,
            "low": self.scale.low,
            "high": self.scale.high,
        }


def passed(ok: bool, comment: str | None = None) -> Outcome:
    return Outcome(1.0 if ok else 0.0, comment)
