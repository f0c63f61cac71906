"""The built-in evaluators: exact match, contains, regex, valid JSON / JSON Schema, numeric
closeness and text similarity to the expected output (rapidfuzz). Each is a pure function of the
case, well under a millisecond per item (``bench/evaluation.py`` prints the figure).

Named on the command line as ``exact``, ``contains``, ``regex:PATTERN``, ``json``,
``json_schema:PATH`` (a JSON Schema file), ``numeric`` or ``numeric:TOLERANCE`` (relative, default
0.01) and ``similarity``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from otel_llm.evaluation.base import NUMERIC, Case, Evaluator, EvaluatorError, Outcome, Scale, passed

_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def _normal(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _expected(case: Case) -> str:
    if case.expected is None:
        raise EvaluatorError("the dataset item has no expected output to compare with")
    return case.expected


class ExactMatch(Evaluator):
    """Pass when the output equals the expected output, ignoring case and runs of whitespace."""

    name = "exact"

    def evaluate(self, case: Case) -> Outcome:
        return passed(_normal(case.output) == _normal(_expected(case)))


class Contains(Evaluator):
    """Pass when the expected output appears in the output (case and whitespace ignored)."""

    name = "contains"

    def evaluate(self, case: Case) -> Outcome:
        return passed(_normal(_expected(case)) in _normal(case.output))


class Regex(Evaluator):
    """Pass when ``pattern`` (Python syntax) is found in the output."""

    name = "regex"

    def __init__(self, pattern: str) -> None:
        try:
            self.pattern = re.compile(pattern)
        except re.error as exc:
            raise EvaluatorError(f"regex {pattern!r} is not a valid pattern: {exc}") from exc
        self.name = f"regex:{pattern}"

    def evaluate(self, case: Case) -> Outcome:
        return passed(self.pattern.search(case.output or "") is not None)


class ValidJson(Evaluator):
    """Pass when the output is JSON (a fenced ```json block counts) and, given a schema, valid
    against it (jsonschema); the comment says the first violation."""

    name = "json"

    def __init__(self, schema: dict[str, Any] | None = None, source: str = "") -> None:
        self.validator = None
        if schema is not None:
            from jsonschema import Draft202012Validator, SchemaError, validators

            try:
                cls = validators.validator_for(schema, default=Draft202012Validator)
                cls.check_schema(schema)
            except SchemaError as exc:
                raise EvaluatorError(f"JSON Schema {source or ''} is not valid: {exc.message}") from exc
            self.validator = cls(schema)
            self.name = f"json_schema:{source}" if source else "json_schema"

    def evaluate(self, case: Case) -> Outcome:
        try:
            value = json.loads(_unfenced(case.output or ""))
        except ValueError as exc:
            return passed(False, f"not JSON: {exc}")
        if self.validator is None:
            return passed(True)
        error = next(iter(self.validator.iter_errors(value)), None)
        if error is None:
            return passed(True)
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        return passed(False, f"{where}: {error.message}"[:500])


def _unfenced(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[1] if "\n" in stripped else ""
        stripped = stripped.rsplit("```", 1)[0]
    return stripped


class NumericClose(Evaluator):
    """Pass when the first number in the output is within ``tolerance`` (relative, and absolute
    for an expected 0) of the expected number."""

    name = "numeric"

    def __init__(self, tolerance: float = 0.01) -> None:
        if not tolerance >= 0:
            raise EvaluatorError("numeric tolerance must be 0 or more")
        self.tolerance = tolerance
        if tolerance != 0.01:
            self.name = f"numeric:{tolerance:g}"

    def evaluate(self, case: Case) -> Outcome:
        expected = _first_number(_expected(case))
        if expected is None:
            raise EvaluatorError(f"the expected output {case.expected!r} holds no number")
        got = _first_number(case.output)
        if got is None:
            return passed(False, "the output holds no number")
        ok = math.isclose(
            got, expected, rel_tol=self.tolerance, abs_tol=self.tolerance if expected == 0 else 0
        )
        return passed(ok, None if ok else f"{got:g} vs expected {expected:g}")


def _first_number(text: str | None) -> float | None:
    found = _NUMBER.search(text or "")
    if found is None:
        return None
    return float(found.group().replace(",", "."))


class Similarity(Evaluator):
    """Similarity of the output to the expected output from 0 to 1: rapidfuzz's normalised
    Indel ratio over the texts with case and whitespace normalised (1 = same text)."""

    name = "similarity"
    kind = NUMERIC
    scale = Scale(0.0, 1.0)

    def evaluate(self, case: Case) -> Outcome:
        from rapidfuzz import fuzz

        return Outcome(fuzz.ratio(_normal(case.output), _normal(_expected(case))) / 100.0)


def _schema_from(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            schema = json.load(handle)
    except OSError as exc:
        raise EvaluatorError(f"cannot read JSON Schema {path!r}: {exc.strerror}") from exc
    except ValueError as exc:
        raise EvaluatorError(f"JSON Schema {path!r} is not JSON: {exc}") from exc
    if not isinstance(schema, dict):
        raise EvaluatorError(f"JSON Schema {path!r} must be a JSON object")
    return schema


def make(kind: str, argument: str | None) -> Evaluator | None:
    """The built-in evaluator ``kind`` (with its ``argument``), or None when there is none by that name."""
    if kind == "exact":
        return ExactMatch()
    if kind == "contains":
        return Contains()
    if kind == "similarity":
        return Similarity()
    if kind == "json":
        return ValidJson()
    if kind == "json_schema":
        if not argument:
            raise EvaluatorError("json_schema needs a schema file: --evaluator json_schema:PATH")
        return ValidJson(_schema_from(argument), argument)
    if kind == "regex":
        if not argument:
            raise EvaluatorError("regex needs a pattern: --evaluator 'regex:PATTERN'")
        return Regex(argument)
    if kind == "numeric":
        try:
            return NumericClose(float(argument) if argument else 0.01)
        except ValueError as exc:
            raise EvaluatorError(f"numeric tolerance {argument!r} is not a number") from exc
    return None


NAMES = ("exact", "contains", "regex", "json", "json_schema", "numeric", "similarity")
