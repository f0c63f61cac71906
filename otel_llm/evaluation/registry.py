"""The evaluator a command-line name stands for.

- built-ins: ``exact``, ``contains``, ``regex:PATTERN``, ``json``, ``json_schema:PATH``,
  ``numeric[:TOLERANCE]``, ``similarity``;
- ``judge:NAME[@vN]``: an LLM judge with prompt ``judge-NAME`` (``otel_llm.evaluation.judge``);
- a name registered in the ``otel_llm_evaluators`` entry-point group;
- ``module:function``: a Python function (``otel_llm.evaluation.custom``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from otel_llm.evaluation import builtin, custom
from otel_llm.evaluation.base import Evaluator, EvaluatorError, UnknownEvaluator


@dataclass(frozen=True)
class JudgeSettings:
    """Where judges call: the run's project, an optional model override and the local provider."""

    engine: Engine
    project_id: int
    model: str | None = None
    provider: str | None = None
    base_url: str | None = None
    run_id: int | None = None


def resolve(spec: str, judges: JudgeSettings | None = None) -> Evaluator:
    """The evaluator ``spec`` names; ``UnknownEvaluator`` lists what exists."""
    spec = (spec or "").strip()
    kind, _, argument = spec.partition(":")
    if kind == "judge":
        if not argument:
            raise EvaluatorError("name the judge: --evaluator judge:helpfulness")
        if judges is None:
            raise EvaluatorError(f"{spec}: an LLM judge needs a project to call in")
        from otel_llm.evaluation.judge import Judge

        return Judge(
            judges.engine,
            judges.project_id,
            argument,
            model=judges.model,
            provider=judges.provider,
            base_url=judges.base_url,
            run_id=judges.run_id,
        )
    found = builtin.make(kind, argument or None)
    if found is not None:
        return found
    registered = custom.from_entry_point(spec)
    if registered is not None:
        return registered
    if argument and kind not in builtin.NAMES:
        return custom.from_path(spec)
    raise UnknownEvaluator(
        f"unknown evaluator {spec!r}; use one of {', '.join(available())}, judge:NAME or module:function."
    )


def available() -> list[str]:
    """Built-in names, then the registered ones."""
    return list(builtin.NAMES) + sorted(custom.registered())


def resolve_all(specs: list[str] | tuple[str, ...], judges: JudgeSettings | None = None) -> list[Evaluator]:
    """Each named evaluator once, in order; two specs naming the same evaluator are refused."""
    found: list[Evaluator] = []
    for spec in specs:
        evaluator = resolve(spec, judges)
        if any(e.name == evaluator.name for e in found):
            raise EvaluatorError(f"evaluator {evaluator.name!r} is given twice")
        found.append(evaluator)
    return found
