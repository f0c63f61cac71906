"""Playground pages: ``GET /playground`` opens a set-up (``?span=ID`` or ``?prompt=NAME&version=N``),
``POST /playground/run`` runs one or two side by side, ``POST /playground/save`` saves set-up A as
the next version of a prompt, ``POST /playground/dataset`` adds a run to a dataset. Editors only; the
forms carry the CSRF token like every other."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from otel_llm_server.web.access import require
from otel_llm_server.web.db import engine
from otel_llm_server.web.playground import forms

from otel_llm import playground, providers
from otel_llm.playground import PlaygroundError, Setup
from otel_llm.playground.save import add_to_dataset, save_version

bp = Blueprint("playground", __name__, url_prefix="/playground", template_folder="templates")


def _blank() -> Setup:
    return Setup(
        provider=next(iter(providers.adapters())),
        model="",
        messages=[{"role": "system", "content": ""}, {"role": "user", "content": ""}],
    )


def _page(
    sides: dict, *, compare: bool, outcomes: dict | None = None, error: str | None = None, status: int = 200
):
    return render_template(
        "playground/index.html",
        sides={side: forms.view_of(setup) for side, setup in sides.items()},
        compare=compare,
        outcomes=outcomes or {},
        error=error,
        providers=providers.names(),
        roles=forms.ROLES,
        prompt=request.values.get("prompt") or next((s.prompt for s in sides.values() if s.prompt), ""),
        source=request.values.get("span", ""),
    ), status


@bp.get("")
@require("editor")
def index():
    try:
        if request.args.get("span"):
            setup = playground.from_span(engine(), g.project_id, request.args["span"])
        elif request.args.get("prompt"):
            version = request.args.get("version")
            ref: int | str | None = int(version) if (version or "").isdigit() else version
            setup = playground.from_version(engine(), g.project_id, request.args["prompt"], ref)
        else:
            setup = _blank()
    except PlaygroundError as exc:
        return _page({"a": _blank()}, compare=False, error=str(exc), status=404)
    return _page({"a": setup}, compare=False)


def _posted() -> tuple[dict[str, Setup], bool]:
    compare = request.form.get("compare") == "1" or request.form.get("action") == "compare"
    sides = {"a": forms.setup_from(request.form, "a")}
    if compare:
        sides["b"] = forms.setup_from(request.form, "b") if "b-provider" in request.form else sides["a"]
    return sides, compare


@bp.post("/run")
@require("editor")
def run():
    try:
        sides, compare = _posted()
    except PlaygroundError as exc:
        return _page({"a": _blank()}, compare=False, error=str(exc), status=422)
    if request.form.get("action") == "compare" and request.form.get("compare") != "1":
        return _page(sides, compare=True)  # "Compare" opens the second set-up, a copy of the first
    outcomes = {}
    base_url = current_app.config.get("REPLAY_BASE_URL")
    try:
        for side, setup in sides.items():
            outcomes[side] = playground.run(engine(), g.project_id, setup, base_url=base_url)
    except PlaygroundError as exc:
        return _page(sides, compare=compare, outcomes=outcomes, error=str(exc), status=422)
    return _page(sides, compare=compare, outcomes=outcomes)


@bp.post("/save")
@require("editor")
def save():
    try:
        sides, compare = _posted()
        name = (request.form.get("prompt") or "").strip()
        if not name:
            raise PlaygroundError("give the name of the prompt to save the version to.")
        version = save_version(
            engine(), g.project_id, name, sides["a"], request.form.get("change_summary", ""), g.actor
        )
    except PlaygroundError as exc:
        sides = locals().get("sides") or {"a": _blank()}
        return _page(sides, compare=len(sides) > 1, error=str(exc), status=422)
    flash(f"Saved {version.name} v{version.version}.", "success")
    return redirect(url_for("prompts.prompt", name=version.name, v=version.version))


@bp.post("/dataset")
@require("editor")
def dataset():
    name = request.form.get("dataset", "")
    trace_id, span_id = request.form.get("trace_id", ""), request.form.get("span_id", "")
    try:
        number = add_to_dataset(engine(), g.project_id, name, trace_id, span_id, g.actor)
    except PlaygroundError as exc:
        flash(str(exc), "error")
        return redirect(url_for("playground.index"))
    flash(f"Added the run to {name} (version {number}).", "success")
    return redirect(url_for("datasets.show", dataset=name))
