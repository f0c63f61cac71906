"""Experiments (model A/B tests) and their results with significance."""

from __future__ import annotations

from typing import Annotated, Any

from otel_llm_server.mcp_server.compact import jsonable
from otel_llm_server.mcp_server.registry import ToolEnv, tool
from pydantic import Field

from otel_llm.experiments import service
from otel_llm.experiments.results import experiment_results as compute_results


@tool("viewer")
def list_experiments(env: ToolEnv) -> dict[str, Any]:
    """The experiments of this project: name, status, primary metric, winner and variants (model,
    weight, control)."""
    return {
        "items": [
            {
                "name": e.name,
                "status": e.status,
                "primary_metric": e.primary_metric,
                "winner": e.winner,
                "hypothesis": e.hypothesis,
                "variants": [v.to_dict() for v in e.variants],
            }
            for e in service.list_experiments(env.engine, env.caller.project_name)
        ]
    }


@tool("viewer")
def experiment_results(
    env: ToolEnv,
    *,
    name: Annotated[str, Field(description="Experiment name, as list_experiments shows it.")],
) -> dict[str, Any]:
    """Results of one experiment: per-variant calls, success rate, latency, tokens, cost and
    feedback; each variant compared with the control (difference, interval, adjusted p-value,
    significance); the winner if any and a one-sentence verdict."""
    results = compute_results(env.engine, env.caller.project_name, name).to_dict()
    results.pop("methods", None)  # how each test works: documentation, not data
    return jsonable(results)
