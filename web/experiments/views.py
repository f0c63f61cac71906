"""Experiments pages: the list with a create form, and each experiment's results page."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from otel_llm_server.web.access import require
from otel_llm_server.web.db import engine
from otel_llm_server.web.experiments import background
from otel_llm_server.web.experiments.forms import MAX_VARIANTS, spec_from_form
from otel_llm_server.web.experiments.presenters import chart_data, results_view

from otel_llm import providers
from otel_llm.experiments import runs, service
from otel_llm.experiments.errors import ExperimentError
from otel_llm.experiments.model import METRICS

bp = Blueprint("experiments", __name__, url_prefix="/experiments", template_folder="templates")


def base_url() -> str | None:
    """Provider endpoint override (``EXPERIMENTS_BASE_URL`` config; else the SDK / OTEL_LLM_MOCK_URL env)."""
    return current_app.config.get("EXPERIMENTS_BASE_URL")


def _index(form=None, status: int = 200, error: str | None = None):
    found = service.list_experiments(engine(), g.project_name)
    context = {
        "experiments": found,
        "form": form or {},
        "metrics": METRICS,
        "providers": providers.names(),
        "max_variants": MAX_VARIANTS,
        "form_error_message": error,
    }
    return render_template("experiments/index.html", **context), status


@bp.get("")
@require("viewer")
def index():
    return _index()


@bp.post("")
@require("editor")
def create():
    try:
        experiment = service.create_experiment(
            engine(), g.project_name, spec_from_form(request.form, g.actor)
        )
    except ExperimentError as exc:  # shown at the form, which keeps what was typed
        return _index(request.form, 422, error=str(exc))
    flash(f"Created experiment {experiment.name}.", "success")
    return redirect(url_for("experiments.show", name=experiment.name))


@bp.get("/<name>")
@require("viewer")
def show(name: str):
    from otel_llm.experiments.results import experiment_results

    found = experiment_results(engine(), g.project_name, name)
    history = runs.run_summaries(engine(), g.project_name, name)
    cases = service.list_test_cases(engine(), g.project_name, name)
    return render_template(
        "experiments/show.html",
        results=results_view(found),
        chart=chart_data(found),
        runs=history,
        cases=cases,
        running=found.experiment["status"] == "running" or any(r["status"] == "running" for r in history),
    )


def _action(name: str, do, done: str):
    try:
        do()
        flash(done, "success")
    except ExperimentError as exc:
        flash(str(exc), "error")
    return redirect(url_for("experiments.show", name=name))


@bp.post("/<name>/start")
@require("editor")
def start(name: str):
    return _action(name, lambda: service.start(engine(), g.project_name, name), f"{name} is running.")


@bp.post("/<name>/stop")
@require("editor")
def stop(name: str):
    return _action(name, lambda: service.stop(engine(), g.project_name, name), f"{name} is stopped.")


@bp.post("/<name>/promote")
@require("editor")
def promote(name: str):
    variant = request.form.get("variant", "")
    message = f"{name} is completed; apps now get {variant}."
    return _action(name, lambda: service.promote(engine(), g.project_name, name, variant), message)


@bp.post("/<name>/run")
@require("editor")
def run(name: str):
    try:
        repeat = int(request.form.get("repeat") or 1)
        max_cost = float(request.form["max_cost"]) if request.form.get("max_cost") else None
    except ValueError:
        flash("repeat must be a whole number and max cost an amount in USD.", "error")
        return redirect(url_for("experiments.show", name=name))

    def go():
        run_id, error = background.start(
            engine(), g.project_name, name, repeat=repeat, max_cost_usd=max_cost, base_url=base_url()
        )
        if error:
            return flash(f"Run {run_id} failed: {error}", "error")
        flash(f"Run {run_id} started; this page refreshes while it runs.", "success")

    try:
        go()
    except ExperimentError as exc:
        flash(str(exc), "error")
    return redirect(url_for("experiments.show", name=name))
