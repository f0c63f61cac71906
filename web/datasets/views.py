"""HTML pages of the datasets area: the list, one dataset (items of a version, its versions, add and
remove), and the form posts that add spans (from the traces list and the span page)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from otel_llm_server.web.access import require
from otel_llm_server.web.db import engine

from otel_llm import datasets
from otel_llm.datasets import from_spans

bp = Blueprint("datasets", __name__, url_prefix="/datasets", template_folder="templates")


@bp.get("")
@require("viewer")
def index():
    found = datasets.list_datasets(engine(), g.project_id)
    return render_template("datasets/index.html", datasets=found, form=request.args)


@bp.post("")
@require("editor")
def create():
    name = request.form.get("name", "")
    try:
        found = datasets.create(
            engine(), g.project_id, name, request.form.get("description", ""), actor=g.actor
        )
    except datasets.DatasetError as exc:
        flash(str(exc), "error")
        return render_template(
            "datasets/index.html", datasets=datasets.list_datasets(engine(), g.project_id), form=request.form
        ), 422
    flash(f"Created dataset {found.name}.", "success")
    return redirect(url_for("datasets.show", dataset=found.name))


@bp.get("/<dataset>")
@require("viewer")
def show(dataset: str):
    version = request.args.get("version", type=int)
    try:
        found = datasets.snapshot(engine(), g.project_id, dataset, version)
    except datasets.VersionNotFound as exc:
        flash(str(exc), "error")
        return redirect(url_for("datasets.show", dataset=dataset))
    history = datasets.versions(engine(), g.project_id, dataset)
    return render_template("datasets/show.html", snapshot=found, versions=history)


@bp.post("/<dataset>/items")
@require("editor")
def add_item(dataset: str):
    text = request.form.get("input", "")
    expected = request.form.get("expected_output", "").strip() or None
    item = datasets.ItemSpec(messages=[{"role": "user", "content": text}], expected_output=expected)
    try:
        version = datasets.add_items(engine(), g.project_id, dataset, [item], actor=g.actor)
    except datasets.InvalidItem as exc:
        flash(str(exc), "error")
    else:
        flash(f"Added an item: now v{version.number}.", "success")
    return redirect(url_for("datasets.show", dataset=dataset))


@bp.post("/<dataset>/items/<int:item_id>/remove")
@require("editor")
def remove_item(dataset: str, item_id: int):
    try:
        version = datasets.remove_items(engine(), g.project_id, dataset, [item_id], actor=g.actor)
    except datasets.ItemNotFound as exc:
        flash(str(exc), "error")
    else:
        flash(f"Removed item {item_id}: now v{version.number}.", "success")
    return redirect(url_for("datasets.show", dataset=dataset))


@bp.post("/spans")
@require("editor")
def add_spans():
    """Selected spans (``span`` fields, ``trace_id:span_id``) into dataset ``dataset``."""
    back = _local(request.form.get("next")) or url_for("traces.index")
    keys = [tuple(v.split(":", 1)) for v in request.form.getlist("span") if v.count(":") == 1]
    name = request.form.get("dataset", "")
    try:
        result = from_spans.add_span_keys(engine(), g.project_id, name, keys, actor=g.actor)
    except datasets.DatasetError as exc:
        flash(str(exc), "error")
        return redirect(back)
    for skipped in result.skipped:
        flash(f"Span {skipped['span_id']} not added: {skipped['reason']}.", "error")
    if result.version is not None:
        flash(f"Added {result.added} span(s) to {name}: now v{result.version.number}.", "success")
    return redirect(back)


def _local(target: str | None) -> str | None:
    """A path on this site to go back to (never another site's URL)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None
