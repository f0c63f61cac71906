"""A regression gate for CI: run a baseline and a candidate prompt version on a dataset, and fail
when the candidate is worse beyond the allowed margin with significance.

The gate fails on an evaluator when the candidate − baseline difference is significant (paired
test, Holm-corrected across the evaluators, at least ``stats.MIN_PAIRS`` items) and the whole
95 % interval lies below ``-max_drop`` (in the evaluator's units: a rate for pass/fail, 0.02 = 2
points; scale points for a judge). Anything else passes, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from otel_llm.evaluation import results as run_results
from otel_llm.evaluation.errors import EvaluationError
from otel_llm.evaluation.items import project_id_of
from otel_llm.evaluation.runs import RunReport, RunSpec, run_evaluation
from otel_llm.evaluation.wording import amount


@dataclass
class GateResult:
    passed: bool
    run_id: int
    reasons: list[str] = field(default_factory=list)
    comparisons: list[dict[str, Any]] = field(default_factory=list)
    status: str = "completed"

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "exit_code": self.exit_code,
            "run_id": self.run_id,
            "status": self.status,
            "reasons": self.reasons,
            "comparisons": self.comparisons,
        }


def gate(
    engine: Engine,
    project: str,
    *,
    dataset: str,
    baseline: str,
    candidate: str,
    evaluators: tuple[str, ...],
    max_drop: float = 0.0,
    model: str | None = None,
    **run_options: Any,
) -> GateResult:
    """Run the comparison (``run_options`` as ``RunSpec``: repeat, concurrency, base_url…) and judge it."""
    if max_drop < 0:
        raise EvaluationError("--max-drop must be 0 or more.")
    if baseline == candidate:
        raise EvaluationError("the baseline and the candidate are the same prompt version.")
    suffix = f",model={model}" if model else ""
    spec = RunSpec(
        dataset,
        (f"{baseline}:prompt={baseline}{suffix}", f"{candidate}:prompt={candidate}{suffix}"),
        evaluators,
        new_run=True,
        **run_options,
    )
    report = run_evaluation(engine, project, spec)
    return judge(engine, project, report, max_drop)


def judge(engine: Engine, project: str, report: RunReport, max_drop: float) -> GateResult:
    found = run_results.run_results(engine, project_id_of(engine, project), report.run_id)
    result = GateResult(True, report.run_id, status=report.status)
    for verdict in found.verdicts:
        c = verdict.comparison
        result.comparisons.append(verdict.to_dict())
        worse = c.significant and c.ci_high is not None and c.ci_high < -max_drop
        if worse:
            result.passed = False
            result.reasons.append(
                f"FAIL {verdict.evaluator}: {verdict.summary} The drop exceeds the allowed "
                f"{amount(verdict.evaluator, max_drop)} even at the interval's best end."
            )
        else:
            result.reasons.append(f"ok {verdict.evaluator}: {verdict.summary}")
    if report.status != "completed":
        result.reasons.append(
            f"note: the run ended {report.status}; the verdict covers the items it finished."
        )
    return result
