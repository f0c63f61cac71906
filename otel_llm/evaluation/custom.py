"""Custom evaluators: a Python function, named on the command line as ``module:function`` or
registered under a name through the ``otel_llm_evaluators`` entry-point group::

    [project.entry-points.otel_llm_evaluators]
    polite = "my_evals:polite"

The function's signature (keyword arguments after the output)::

    def polite(output: str, *, expected: str | None, input, metadata: dict) -> bool | float | tuple:
        ...

It returns ``True``/``False`` (pass/fail), a number (a numeric score), or ``(value, comment)``. An
exception it raises is recorded as that item's evaluator error; the run goes on. Set attributes
``version`` (default ``"1"``) and, for numbers, ``scale = (low, high)`` on the function to declare
them; a number outside the scale is an evaluator error too.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from otel_llm.evaluation.base import BOOLEAN, NUMERIC, Case, Evaluator, EvaluatorError, Outcome, Scale

ENTRY_POINT_GROUP = "otel_llm_evaluators"


class FunctionEvaluator(Evaluator):
    """A custom function as an evaluator."""

    def __init__(self, name: str, function: Callable[..., Any]) -> None:
        self.name = name
        self.function = function
        self.version = str(getattr(function, "version", "1"))
        scale = getattr(function, "scale", None)
        if scale is not None:
            self.kind = NUMERIC
            self.scale = Scale(float(scale[0]), float(scale[1]))
        else:
            self.kind = getattr(function, "kind", BOOLEAN)

    def evaluate(self, case: Case) -> Outcome:
        returned = self.function(
            case.output, expected=case.expected, input=case.input, metadata=case.metadata
        )
        value, comment = returned if isinstance(returned, tuple) else (returned, None)
        return Outcome(self._value(value), None if comment is None else str(comment)[:2000])

    def _value(self, value: Any) -> float:
        if isinstance(value, bool):
            return 1.0 if value else 0.0
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise EvaluatorError(f"evaluator {self.name} returned {value!r}; expected a bool or a number")
        if self.kind == BOOLEAN and value in (0, 1):
            return float(value)
        if not self.scale.contains(float(value)):
            raise EvaluatorError(
                f"evaluator {self.name} returned {value!r}, outside its scale {self.scale.low:g}–{self.scale.high:g}"
            )
        return float(value)


def from_path(spec: str) -> FunctionEvaluator:
    """``module:function`` imported (the current directory is on the path for the CLI)."""
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise EvaluatorError(f"cannot import evaluator module {module_name!r}: {exc}") from exc
    function = getattr(module, attribute, None)
    if not callable(function):
        raise EvaluatorError(f"module {module_name!r} has no function {attribute!r}")
    return FunctionEvaluator(spec, function)


def registered() -> dict[str, Any]:
    """Entry points of the ``otel_llm_evaluators`` group, by name (not loaded yet)."""
    return {point.name: point for point in entry_points(group=ENTRY_POINT_GROUP)}


def from_entry_point(name: str) -> FunctionEvaluator | None:
    point = registered().get(name)
    if point is None:
        return None
    try:
        loaded = point.load()
    except Exception as exc:
        raise EvaluatorError(f"evaluator {name!r} ({point.value}) failed to load: {exc}") from exc
    if isinstance(loaded, Evaluator):
        return loaded  # type: ignore[return-value]
    if isinstance(loaded, type) and issubclass(loaded, Evaluator):
        return loaded()  # type: ignore[return-value]
    return FunctionEvaluator(name, loaded)
