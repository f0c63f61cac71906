"""A score config and a score (on a trace) in the other project."""

from __future__ import annotations

from otel_llm import scores
from otel_llm.prompts import catalog


def seed(engine, project_name: str, marker: str) -> dict[str, str]:
    project_id = catalog.project_id(engine, project_name)
    scores.define_config(
        engine, project_id, "helpfulness", "numeric", min_value=1, max_value=5, description=marker
    )
    stored = scores.add_score(
        engine, project_id, "helpfulness", 4, trace_id="cd" * 16, comment=f"score {marker}"
    )
    return {"score_name": "helpfulness", "score_id": str(stored.id)}
