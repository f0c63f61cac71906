"""HTML pages of the prompts area: the list, a prompt's page (versions, selected version, metrics,
label history, actions by role) and the side-by-side diff. Writes are CSRF-protected forms that call
the registry and redirect with a flash message."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from otel_llm_server.web.access import require
from otel_llm_server.web.db import engine

from otel_llm import feedback as feedback_service
from otel_llm.prompts import catalog, chat_diff, includes, labels, metrics, setup, versions
from otel_llm.prompts import diff as prompt_diff
from otel_llm.prompts.content import parse_config
from otel_llm.prompts.errors import Conflict, InvalidInput, VersionNotFound
from otel_llm.prompts.models import Version
from otel_llm.prompts.names import parse_version
from otel_llm.prompts.protection import ProtectedLabel

bp = Blueprint("prompts", __name__, url_prefix="/prompts", template_folder="templates")

WINDOWS = ("24h", "7d", "30d", "all")
_HEX_SPAN = re.compile(r"^[0-9a-f]{16}$")
_USER_ERRORS = (InvalidInput, Conflict, VersionNotFound, ProtectedLabel)


def _create_version(name: str, form) -> Version:
    """A new version of ``name`` from a version form (template, config JSON, summary, comma-separated
    tags), or, for a chat prompt, from its set-up as JSON (messages, tools, response_format, config)."""
    tags = [t for t in (part.strip() for part in (form.get("tags") or "").split(",")) if t]
    if form.get("setup"):
        content = setup.from_document(_json_setup(form["setup"]))
    else:
        content = {"template": form.get("template", ""), "config": parse_config(form.get("config"))}
        content["template_format"] = form.get("format") or None
    return versions.create_version(
        engine(), g.project_id, name, summary=form.get("summary", ""), tags=tags, author=g.actor, **content
    )


def _json_setup(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the set-up is not valid JSON ({exc.msg} at line {exc.lineno}).") from exc


@bp.get("")
@require("viewer")
def index():
    return render_template(
        "prompts/index.html", prompts=catalog.list_prompts(engine(), g.project_id), form={}
    )


@bp.post("")
@require("editor")
def create():
    form = request.form
    try:
        version = _create_version(form.get("name", ""), form)
    except _USER_ERRORS as exc:  # shown at the form, which keeps what was typed
        prompts = catalog.list_prompts(engine(), g.project_id)
        page = render_template("prompts/index.html", prompts=prompts, form=form, form_error_message=str(exc))
        return page, 422
    flash(f"Created {version.name}@v{version.version}.", "success")
    return redirect(url_for("prompts.prompt", name=version.name, v=version.version))


@bp.get("/<name>")
@require("viewer")
def prompt(name: str):
    return _render_prompt(name)


def _render_prompt(name: str, form=None, status: int = 200, error: str | None = None):
    all_versions = versions.list_versions(engine(), g.project_id, name)
    since = request.args.get("since", "7d") if request.args.get("since") in WINDOWS else "7d"
    window = metrics.parse_window(since)
    user = request.args.get("user") or None
    stats = {m.version: m for m in metrics.version_metrics(engine(), g.project_id, name, window, user=user)}
    selected = _selected(all_versions, request.args.get("v"))
    page = render_template(
        "prompts/prompt.html",
        name=name,
        versions=all_versions,
        selected=selected,
        stats=stats,
        since=since,
        windows=WINDOWS,
        history=labels.label_history(engine(), g.project_id, name),
        references=includes.referencing(engine(), g.project_id, name),
        setup_json=json.dumps(setup.to_document(selected), indent=2, ensure_ascii=False),
        label_names=sorted({label for v in all_versions for label in v.labels}),
        form=form or {},
        form_error_message=error,
    )
    return page, status


def _selected(all_versions, wanted: str | None):
    if wanted:
        for v in all_versions:
            if str(v.version) == wanted.lstrip("v"):
                return v
    published = [v for v in all_versions if v.published]
    return published[0] if published else all_versions[0]


@bp.get("/<name>/diff")
@require("viewer")
def diff(name: str):
    all_versions = versions.list_versions(engine(), g.project_id, name)
    numbers = [v.version for v in all_versions]
    b = _number(request.args.get("b"), numbers[0])
    a = _number(request.args.get("a"), next((n for n in numbers if n < b), b))
    left = versions.get_version(engine(), g.project_id, name, a)
    right = versions.get_version(engine(), g.project_id, name, b)
    return render_template(
        "prompts/diff.html",
        name=name,
        numbers=numbers,
        left=left,
        right=right,
        template_rows=prompt_diff.template_rows(left, right),
        config_rows=prompt_diff.config_rows(left, right),
        chat=left.kind == "chat" or right.kind == "chat",
        message_rows=[
            (chat_diff.header(n, old, new), prompt_diff.side_by_side(_lines(old), _lines(new)))
            for n, old, new in chat_diff.changed_messages(left, right)
        ],
        changes=chat_diff.tool_changes(left, right) + chat_diff.response_format_changes(left, right),
    )


def _lines(message: dict | None) -> list[str]:
    return message["content"].splitlines() if message else []


def _number(text: str | None, default: int) -> int:
    try:
        return parse_version(text) if text else default
    except InvalidInput:
        return default


def _act(name: str, version: int | None, action: Callable[[], str]):
    """Run a write; flash its outcome or its error; back to the prompt page."""
    try:
        flash(action(), "success")
    except _USER_ERRORS as exc:
        flash(str(exc), "error")
    target = {"v": version} if version else {}
    return redirect(url_for("prompts.prompt", name=name, **target))


def _moved(move, what: str) -> str:
    if not move.changed:
        return f"{what} already pointed at v{move.to_version}."
    before = f"v{move.from_version}" if move.from_version else "nothing"
    return f"{what}: {before} → v{move.to_version}." if move.to_version else f"{what} removed."


@bp.post("/<name>/versions")
@require("editor")
def new_version(name: str):
    versions.list_versions(engine(), g.project_id, name)  # 404 for another project's prompt
    form = request.form
    try:
        created = _create_version(name, form)
    except _USER_ERRORS as exc:
        return _render_prompt(name, form=form, status=422, error=str(exc))  # keep what was typed
    flash(f"Created {name}@v{created.version}.", "success")
    return redirect(url_for("prompts.prompt", name=name, v=created.version))


@bp.post("/<name>/versions/<int:version>/publish")
@require("editor")
def publish(name: str, version: int):
    return _act(
        name,
        version,
        lambda: _moved(
            labels.publish(engine(), g.project_id, name, version, g.actor, role=g.role), "production"
        ),
    )


@bp.post("/<name>/versions/<int:version>/label")
@require("editor")
def label(name: str, version: int):
    text = request.form.get("label", "")
    return _act(
        name,
        version,
        lambda: _moved(
            labels.set_label(engine(), g.project_id, name, version, text, g.actor, role=g.role), text
        ),
    )


@bp.post("/<name>/labels/<label_name>/remove")
@require("editor")
def unlabel(name: str, label_name: str):
    return _act(
        name,
        None,
        lambda: _moved(
            labels.remove_label(engine(), g.project_id, name, label_name, g.actor, role=g.role), label_name
        ),
    )


@bp.post("/<name>/rollback")
@require("editor")
def rollback(name: str):
    to_text = request.form.get("to", "").strip()

    def run() -> str:
        to = parse_version(to_text) if to_text else None
        return _moved(
            labels.rollback(engine(), g.project_id, name, g.actor, to=to, role=g.role),
            "production (rollback)",
        )

    return _act(name, None, run)


@bp.post("/<name>/versions/<int:version>/archive")
@require("editor")
def archive(name: str, version: int):
    archived = request.form.get("archived", "1") != "0"

    def run() -> str:
        versions.set_archived(engine(), g.project_id, name, version, archived)
        return f"{name}@v{version} {'archived' if archived else 'restored'}."

    return _act(name, version, run)


@bp.post("/<name>/versions/<int:version>/duplicate")
@require("editor")
def duplicate(name: str, version: int):
    def run() -> str:
        created = versions.duplicate_version(engine(), g.project_id, name, version, g.actor)
        return f"Created {name}@v{created.version} from v{version}."

    return _act(name, version, run)


@bp.post("/feedback")
@require("editor")
def feedback():
    """The span page's feedback form (source ``console``); back to that span."""
    form = request.form
    span_id = form.get("span_id", "")
    try:
        target = feedback_service.parse_target(span_id)
        trace = form.get("trace_id")
        if trace:
            target = feedback_service.Target(feedback_service.parse_target(trace).trace_id, target.span_id)
        feedback_service.add_feedback(
            engine(), g.project_id, target, form.get("score"), form.get("comment"), source="console"
        )
        flash("Feedback recorded.", "success")
    except feedback_service.FeedbackError as exc:
        flash(str(exc), "error")
        if not _HEX_SPAN.match(span_id):
            return redirect(url_for("traces.index"))
    return redirect(url_for("traces.span", span_id=span_id) + "#tab-prompt")
