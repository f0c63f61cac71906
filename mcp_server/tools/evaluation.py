"""Evaluation runs (``otel_llm.evaluation.results``): a dataset's items answered by each variant
and judged by each evaluator, with each variant compared with the baseline on the same items."""

from __future__ import annotations

from typing import Annotated, Any

from otel_llm_server.mcp_server.compact import jsonable
from otel_llm_server.mcp_server.registry import ToolEnv, tool
from pydantic import Field

RUN_FIELDS = (
    "id",
    "dataset",
    "dataset_version",
    "prompt_ref",
    "repeat",
    "status",
    "started_at",
    "finished_at",
)


@tool("viewer")
def list_evaluation_runs(
    env: ToolEnv,
    *,
    limit: Annotated[int, Field(ge=1, le=200, description="How many runs, newest first (default 20).")] = 20,
) -> dict[str, Any]:
    """The evaluation runs of this project, newest first: run id (for evaluation_results), dataset
    and version, status, variants, evaluators and number of answers."""
    from otel_llm.evaluation import results

    found = results.list_runs(env.engine, env.caller.project_id, limit=limit)
    items = [{k: v for k, v in jsonable(run).items() if v is not None} for run in found]
    result: dict[str, Any] = {"items": items}
    if not items:
        result["note"] = "no evaluation run in this project; start one with `otel-llm eval run`."
    return result


@tool("viewer")
def evaluation_results(
    env: ToolEnv,
    *,
    run_id: Annotated[int, Field(ge=1, description="Evaluation run id, as list_evaluation_runs shows it.")],
) -> dict[str, Any]:
    """Results of one evaluation run: per variant and evaluator, the number of items, the mean
    score or pass rate with its 95% interval and evaluator errors; each variant compared with the
    baseline (the first variant) on the items both answered (difference, interval, Holm-adjusted
    p-value, significant, better) with a one-sentence verdict; cost per variant."""
    from otel_llm.evaluation import results

    found = results.run_results(env.engine, env.caller.project_id, run_id).to_dict()
    found.pop("distributions", None)  # histograms for the console's charts
    run = found["run"]
    found["run"] = {k: run.get(k) for k in RUN_FIELDS if run.get(k) is not None}
    found["run"]["variants"] = run["variants"]
    found["run"]["evaluators"] = run["evaluators"]
    return jsonable(found)
