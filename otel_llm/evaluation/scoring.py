"""Verdicts stored as scores on the answer's span, through the scores service (``otel_llm.scores``),
so they show on the span page and in the traces list like any other score. An evaluator error is
no score: the run keeps it in ``eval_run_results.error``.

A score is named after its evaluator (``exact``, ``similarity``, ``judge:helpfulness``,
``my_evals:polite``); an evaluator with an argument that is no valid score name (``regex:…``,
``json_schema:path``) scores under its kind (``regex``, ``json_schema``).
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from otel_llm.evaluation.base import BOOLEAN, Evaluator
from otel_llm.evaluation.errors import EvaluationError


def score_name(evaluator: Evaluator) -> str:
    from otel_llm.scores.configs import NAME

    return evaluator.name if NAME.match(evaluator.name) else evaluator.name.split(":", 1)[0]


def ensure_configs(engine: Engine, project_id: int, evaluators: list[Evaluator]) -> None:
    """Each evaluator's score declared (first use) or checked: same type, a scale that holds it."""
    from otel_llm import scores

    for evaluator in evaluators:
        name = score_name(evaluator)
        try:
            if evaluator.kind == BOOLEAN:
                scores.ensure_config(
                    engine, project_id, name, "boolean", description=f"evaluator {evaluator.name}"
                )
                continue
            config = scores.ensure_config(
                engine, project_id, name, "numeric", min_value=evaluator.scale.low, max_value=evaluator.scale.high,
                description=f"evaluator {evaluator.name}",
            )  # fmt: skip
        except scores.ScoreError as exc:
            raise EvaluationError(f"evaluator {evaluator.name}: {exc}") from exc
        low_ok = config.min_value is None or config.min_value <= evaluator.scale.low
        if not low_ok or (config.max_value is not None and config.max_value < evaluator.scale.high):
            raise EvaluationError(
                f"evaluator {evaluator.name} scores {evaluator.scale.low:g} to {evaluator.scale.high:g}, but score "
                f"{name!r} is declared {config.scale}; change the score config or the evaluator."
            )


def store(
    conn: Connection, project_id: int, run_id: int | None, span_id: str | None, verdicts, evaluators
) -> list:
    """Score ids, one per verdict (None for an evaluator error or an answer without a span)."""
    from otel_llm import scores

    by_name = {e.name: e for e in evaluators}
    wanted = [(i, v) for i, v in enumerate(verdicts) if v.value is not None and span_id]
    inputs = [
        scores.ScoreInput(
            score_name(by_name[v.evaluator]),
            bool(v.value) if by_name[v.evaluator].kind == BOOLEAN else v.value,
            span_id=span_id,
            comment=v.comment,
            source="evaluator",
            source_name=v.evaluator,
            source_version=by_name[v.evaluator].version,
            eval_run_id=run_id,
        )  # fmt: skip
        for _, v in wanted
    ]
    stored = scores.add_scores(conn, project_id, inputs) if inputs else []
    ids: list = [None] * len(verdicts)
    for (index, _), score in zip(wanted, stored, strict=True):
        ids[index] = score.id
    return ids
