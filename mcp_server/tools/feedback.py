"""Feedback scores on spans and traces (editor keys), through the feedback service."""

from __future__ import annotations

from typing import Annotated, Any

from otel_llm_server.mcp_server.compact import jsonable
from otel_llm_server.mcp_server.registry import ToolEnv, tool
from pydantic import Field

from otel_llm import feedback as feedback_service


@tool("editor")
def add_feedback(
    env: ToolEnv,
    *,
    target: Annotated[
        str, Field(description="A span id (16 hex digits) or a trace id (32 hex digits) of this project.")
    ],
    score: Annotated[float, Field(description="The score, e.g. 1 (good) / 0 (bad), or a rating.")],
    comment: Annotated[str | None, Field(description="Why (optional).")] = None,
) -> dict[str, Any]:
    """Record a feedback score on a stored span or trace (counted in prompt_metrics and
    experiment_results). Needs an editor key."""
    stored = feedback_service.add_feedback(
        env.engine, env.caller.project_id, feedback_service.parse_target(target), score, comment, source="api"
    )
    return {"feedback": jsonable(stored.to_dict())}
