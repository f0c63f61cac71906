"""Evaluation pages: the runs list and a run's results (intervals, the paired verdict in words,
items side by side sortable by the score difference)."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from otel_llm_server.web.access import require
from otel_llm_server.web.db import engine

from otel_llm.evaluation import results

bp = Blueprint("evaluations", __name__, url_prefix="/eval-runs", template_folder="templates")


@bp.get("")
@require("viewer")
def index():
    return render_template("evaluations/index.html", runs=results.list_runs(engine(), g.project_id))


@bp.get("/<bigint:run_id>")
@require("viewer")
def show(run_id: int):
    found = results.run_results(engine(), g.project_id, run_id)
    evaluators = [e["name"] for e in found.run["evaluators"]]
    chosen = request.args.get("sort_by")
    chosen = chosen if chosen in evaluators else evaluators[0]
    items = results.side_by_side(engine(), g.project_id, run_id, chosen)
    variants = [v["name"] for v in found.run["variants"]]
    return render_template(
        "evaluations/show.html",
        found=found,
        items=items,
        variants=variants,
        evaluators=evaluators,
        chosen=chosen,
    )
