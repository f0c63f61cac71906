"""``/api/v1/eval-runs``: evaluation runs, their results with paired verdicts, their items."""

from __future__ import annotations

from flask import Blueprint, g
from otel_llm_server.web.access import require
from otel_llm_server.web.api import query_arg
from otel_llm_server.web.db import engine
from otel_llm_server.web.openapi import api_doc

from otel_llm.evaluation import results

api = Blueprint("evaluations_api", __name__, url_prefix="/api/v1")

_RUN = {"run_id": "Evaluation run id (from GET /api/v1/eval-runs)."}


@api.get("/eval-runs")
@require("viewer")
@api_doc(
    "The project's evaluation runs, newest first",
    query={"limit": ({"type": "integer", "minimum": 1, "maximum": 200}, "How many (default 50).")},
    tag="evaluations",
)
def list_runs():
    return {"items": results.list_runs(engine(), g.project_id, query_arg("limit", 50)), "next_cursor": None}


@api.get("/eval-runs/<bigint:run_id>")
@require("viewer")
@api_doc(
    "An evaluation run's results: per variant and evaluator n, mean or rate with its 95 % interval, "
    "and each variant against the first (paired test, Holm-corrected)",
    params=_RUN,
    responses={200: "The results.", 404: "No such run in this project."},
    tag="evaluations",
)
def show_run(run_id: int):
    return results.run_results(engine(), g.project_id, run_id).to_dict()


@api.get("/eval-runs/<bigint:run_id>/items")
@require("viewer")
@api_doc(
    "An evaluation run's items side by side, largest score drop (last variant − first) first",
    params=_RUN,
    query={"evaluator": ("string", "Evaluator whose difference orders the items (default: the first).")},
    responses={200: "The items.", 404: "No such run in this project."},
    tag="evaluations",
)
def run_items(run_id: int):
    evaluator = query_arg("evaluator", None)
    return {"items": results.side_by_side(engine(), g.project_id, run_id, evaluator), "next_cursor": None}
