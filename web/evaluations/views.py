"""Evaluation pages: the runs list (with the forms that start a run and add or remove an online
rule) and a run's results (intervals, the paired verdict in words, items side by side sortable by
the score difference)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from otel_llm_server.web.access import require
from otel_llm_server.web.db import engine
from otel_llm_server.web.evaluations import background
from otel_llm_server.web.evaluations.api import run_spec
from otel_llm_server.web.experiments.views import base_url

from otel_llm.datasets import DatasetError
from otel_llm.evaluation import online, results
from otel_llm.evaluation.errors import EvaluationError

bp = Blueprint("evaluations", __name__, url_prefix="/eval-runs", template_folder="templates")


@bp.get("")
@require("viewer")
def index(form=None, status: int = 200):
    return render_template(
        "evaluations/index.html",
        runs=results.list_runs(engine(), g.project_id),
        rules=online.list_rules(engine(), g.project_id),
        form=form or {},
    ), status


@bp.post("")
@require("editor")
def start():
    form = request.form
    try:
        body = {
            "dataset": form.get("dataset", "").strip(), "variants": _lines(form.get("variants")),
            "evaluators": _lines(form.get("evaluators")), "prompt": form.get("prompt", "").strip(),
            "repeat": _number(form.get("repeat"), int, "repeat") or 1,
            "max_cost_usd": _number(form.get("max_cost_usd"), float, "max cost"),
        }  # fmt: skip
        report = background.start(engine(), g.project_name, run_spec(body, base_url(), g.actor))
    except (EvaluationError, DatasetError) as exc:
        flash(str(exc), "error")
        return index(form, 422)
    flash(f"Run {report.run_id} started: {report.total - report.skipped} calls to make.", "success")
    return redirect(url_for("evaluations.show", run_id=report.run_id))


@bp.post("/rules")
@require("editor")
def add_rule():
    form = request.form
    try:
        rule = online.create_rule(
            engine(), g.project_id, form.get("name", ""), form.get("evaluator", "").strip(),
            prompt=form.get("prompt", "").strip(), model=form.get("model", "").strip(),
            sample_percent=_number(form.get("sample_percent"), float, "sample") or 10.0,
            daily_cost_cap_usd=_number(form.get("daily_cost_cap_usd"), float, "daily cost cap"), actor=g.actor,
        )  # fmt: skip
    except EvaluationError as exc:
        flash(str(exc), "error")
        return index(form, 422)
    flash(f"Added rule {rule['name']}.", "success")
    return redirect(url_for("evaluations.index"))


@bp.post("/rules/<bigint:rule_id>/remove")
@require("editor")
def remove_rule(rule_id: int):
    online.remove_rule_by_id(engine(), g.project_id, rule_id)
    flash("Rule removed; its scores stay.", "success")
    return redirect(url_for("evaluations.index"))


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _number(text: str | None, kind: type, field: str):
    if not (text or "").strip():
        return None
    try:
        return kind(text)
    except ValueError:
        raise EvaluationError(f"{field} must be a number.") from None


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
