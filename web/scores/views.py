"""The span page's score form: a person's score (source ``human``, channel ``console``)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for
from otel_llm_server.web.access import require
from otel_llm_server.web.db import engine

from otel_llm import scores

bp = Blueprint("scores", __name__, url_prefix="/scores", template_folder="templates")


@bp.post("/span/<span_id>")
@require("editor")
def add_to_span(span_id: str):
    """Add the form's score to the span, then back to its Scores tab."""
    form = request.form
    try:
        stored = scores.add_score(
            engine(),
            g.project_id,
            form.get("name", ""),
            form.get("value", "").strip(),
            span_id=span_id,
            comment=form.get("comment"),
            source="human",
            source_name="console",
            author=g.actor,
        )
        flash(f"Score {stored.name} = {stored.display} added.", "success")
    except scores.ScoreError as exc:
        flash(str(exc), "error")
    return redirect(url_for("traces.span", span_id=span_id) + "#tab-scores")
