"""Verdicts stored as scores on the answer's span, through the scores service (``otel_llm.scores``),
so they show on the span page and in the traces list like any other score."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from otel_llm.evaluation.base import Evaluator


def store(conn: Connection, project_id: int, answer: Any, evaluators: list[Evaluator]) -> None:
    """One score per verdict with a value; errors are kept in the run only."""
    return None  # wired to otel_llm.scores.add_scores once the scores service is merged
