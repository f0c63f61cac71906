"""HTML pages of the replays area: the Replays list, one replay's diff, one batch run, and the
form posts (replay a span from its Replay tab; start a batch run)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from otel_llm_server.web.access import require
from otel_llm_server.web.db import engine
from otel_llm_server.web.replays import background, forms

from otel_llm import traces
from otel_llm.replay import ReplayError, store
from otel_llm.replay.detail import replay_detail, run_detail
from otel_llm.replay.run import replay_span

bp = Blueprint("replays", __name__, url_prefix="/replays", template_folder="templates")


def base_url() -> str | None:
    """Provider endpoint override (``REPLAY_BASE_URL`` config; else the SDK / OTEL_LLM_MOCK_URL env)."""
    return current_app.config.get("REPLAY_BASE_URL")


@bp.get("")
@require("viewer")
def index():
    singles = store.list_replays(engine(), g.project_id, singles_only=True, limit=100)
    runs = store.list_runs(engine(), g.project_id, limit=100)
    return render_template("replays/index.html", singles=singles, runs=runs, form=request.args)


@bp.get("/<int:replay_id>")
@require("viewer")
def show(replay_id: int):
    detail = replay_detail(engine(), g.project_id, replay_id)
    if detail is None:
        abort(404, description=f"no replay {replay_id} in project {g.project_name}.")
    return render_template("replays/show.html", **detail)


@bp.get("/runs/<int:run_id>")
@require("viewer")
def run(run_id: int):
    detail = run_detail(engine(), g.project_id, run_id)
    if detail is None:
        abort(404, description=f"no replay run {run_id} in project {g.project_name}.")
    return render_template("replays/run.html", **detail)


@bp.post("/span/<span_id>")
@require("editor")
def replay_from_span(span_id: str):
    row = traces.get_span(engine(), g.project_id, span_id)
    if row is None:
        abort(404, description=f"no span {span_id} in project {g.project_name}.")
    back = url_for("traces.span", span_id=row["span_id"]) + "#tab-replay"
    try:
        overrides = forms.overrides_from(request.form, forms.defaults_for(traces.span_view(row)))
        result = replay_span(
            engine(), g.project_id, row["span_id"], overrides, actor=g.actor, base_url=base_url()
        )
    except ReplayError as exc:
        flash(str(exc), "error")
        return redirect(back)
    if result.status == "error":
        flash(f"The provider failed; the replay was recorded as failed: {result.error}", "error")
    return redirect(url_for("replays.show", replay_id=result.id))


@bp.post("/runs")
@require("editor")
def start_run():
    try:
        selection, overrides = background.parse_run_form(request.form)
        run_id = background.start(engine(), g.project_id, selection, overrides, g.actor, base_url=base_url())
    except ReplayError as exc:
        flash(str(exc), "error")
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        return redirect(url_for("replays.index", **values) + "#new-run")
    flash(f"Replay run {run_id} started.", "success")
    return redirect(url_for("replays.run", run_id=run_id))
