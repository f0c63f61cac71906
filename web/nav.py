"""The navigation bar, and placeholder pages for areas whose blueprint is not registered yet.

An item whose endpoint does not exist is left out, so the bar never breaks a page.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, render_template, url_for
from otel_llm_server.web.access import can, require
from werkzeug.routing import BuildError


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    area: str  # blueprint name: the item is "active" on every page of that blueprint
    role: str = "viewer"


NAV = (
    NavItem("Traces", "traces.index", "traces"),
    NavItem("LLM calls", "calls.index", "calls"),
    NavItem("Sessions", "conversations.index", "conversations"),
    NavItem("Overview", "overview.index", "overview"),
    NavItem("Prompts", "prompts.index", "prompts"),
    NavItem("Experiments", "experiments.index", "experiments"),
    NavItem("Datasets", "datasets.index", "datasets"),
    NavItem("Replays", "replays.index", "replays"),
    NavItem("Playground", "playground.index", "playground", role="editor"),
    NavItem("Evaluations", "evaluations.index", "evaluations"),
    NavItem("Settings", "settings.members_page", "settings"),
)

# What an area not yet installed will show, and how to get it.
PLACEHOLDERS = {
    "prompts": (
        "/prompts",
        "Prompt versions",
        "Versioned prompt templates, which version each call used, and how versions compare.",
    ),
    "experiments": (
        "/experiments",
        "Experiments",
        "Model and prompt A/B comparisons with their statistics, built from tagged spans.",
    ),
    "replays": (
        "/replays",
        "Replays",
        "Stored calls sent again, with a different model or prompt, side by side with the original.",
    ),
}


def nav_items() -> list[dict[str, object]]:
    """The items the current caller may see, with their URLs (missing endpoints skipped)."""
    items = []
    for item in NAV:
        if not can(item.role):
            continue
        try:
            href = url_for(item.endpoint)
        except BuildError:
            continue
        items.append({"label": item.label, "href": href, "area": item.area})
    return items


def register_placeholders(app: Flask) -> None:
    """An empty page for each area whose own blueprint has not been registered."""
    for area, (path, title, what) in PLACEHOLDERS.items():
        if area in app.blueprints:
            continue
        bp = Blueprint(area, __name__)
        bp.add_url_rule(path, "index", _placeholder_view(title, what))
        app.register_blueprint(bp)


def _placeholder_view(title: str, what: str):
    @require("viewer")
    def index():
        return render_template("placeholder.html", title=title, what=what)

    return index
