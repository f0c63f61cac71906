"""Evaluators attached to other server calls — experiment runs and batch replays (``--evaluator``):
each LLM span such a call makes is judged, and the verdicts become scores on that span (source
``evaluator``, its name and version). Judge calls are spans of their own, marked as evaluation.

The caller computes the call's rows (``Recording.rows``), asks ``judge`` for the verdicts outside
its transaction (a judge makes a call), and stores rows and scores together with ``store``.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection, Engine

from otel_llm.evaluation import registry, scoring
from otel_llm.evaluation.answers import Verdict, verdict
from otel_llm.evaluation.base import Case, EvaluatorError
from otel_llm.evaluation.errors import EvaluationError

logger = logging.getLogger(__name__)


class SpanJudging:
    def __init__(
        self,
        engine: Engine,
        project_id: int,
        specs: list[str] | tuple[str, ...],
        *,
        base_url: str | None = None,
        judge_model: str | None = None,
    ) -> None:
        settings = registry.JudgeSettings(engine, project_id, judge_model, base_url=base_url)
        try:
            self.evaluators = registry.resolve_all(list(specs), settings)
            for evaluator in self.evaluators:
                if hasattr(evaluator, "check"):
                    evaluator.check()
        except EvaluatorError as exc:
            raise EvaluationError(str(exc)) from exc
        scoring.ensure_configs(engine, project_id, self.evaluators)
        self.project_id = project_id
        self.errors = 0

    def judge(self, rows: list[dict[str, Any]], expected: str | None, input: Any) -> list[Verdict]:
        """Every evaluator's verdict on the call's LLM span (none when the call failed)."""
        from otel_llm.replay.diff import output_text

        row = next((r for r in rows if r.get("is_llm")), None)
        if row is None or row.get("status_code") == "ERROR":
            return []
        case = Case(output_text(row), expected, input, {}, row["span_id"])
        verdicts = [verdict(e, case) for e in self.evaluators]
        for found in verdicts:
            if found.error:
                self.errors += 1
                logger.info(
                    "otel-llm: evaluator %s on span %s: %s", found.evaluator, row["span_id"], found.error
                )
        return verdicts

    def store(self, conn: Connection, rows: list[dict[str, Any]], verdicts: list[Verdict]) -> None:
        if not verdicts:
            return
        span_id = next(r["span_id"] for r in rows if r.get("is_llm"))
        scoring.store(conn, self.project_id, None, span_id, verdicts, self.evaluators)

    def cost(self, verdicts: list[Verdict]) -> float:
        return sum(v.cost_usd or 0.0 for v in verdicts)
