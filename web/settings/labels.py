"""Protected labels in the settings: ``/settings/labels`` (page) and ``/api/v1/protected-labels``.

Everyone in the project may read the policy; admins change it. Both call
``otel_llm.prompts.protection``.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from otel_llm_server.web.access import require
from otel_llm_server.web.api import json_object
from otel_llm_server.web.db import engine
from otel_llm_server.web.errors import ApiError
from otel_llm_server.web.openapi import api_doc
from otel_llm_server.web.settings.api import api
from otel_llm_server.web.settings.views import bp

from otel_llm.prompts import protection
from otel_llm.prompts.errors import InvalidInput

POLICY = "{protected_labels: [...], mover_role, updated_by, updated_at, default}"
POLICY_SCHEMA = {
    "type": "object",
    "required": ["protected_labels"],
    "properties": {
        "protected_labels": {"type": "array", "items": {"type": "string"}, "description": "May be empty."},
        "mover_role": {"type": "string", "enum": list(protection.MOVER_ROLES), "default": "admin"},
    },
}


@api.get("/protected-labels")
@require("viewer")
@api_doc("Which labels are protected and which role moves them", responses={200: POLICY}, tag="settings")
def get_protected_labels():
    return protection.get_policy(engine(), g.project_id).to_dict()


@api.put("/protected-labels")
@require("admin")
@api_doc(
    "Set the protected labels and the least role that moves them",
    request=POLICY_SCHEMA,
    responses={200: POLICY, 422: "An invalid label or role."},
    tag="settings",
)
def put_protected_labels():
    body = json_object()
    labels = body["protected_labels"]
    if not all(isinstance(label, str) for label in labels):
        raise ApiError(422, "invalid", "'protected_labels' must be a list of label names.")
    policy = protection.set_policy(
        engine(), g.project_id, labels, body.get("mover_role", "admin"), actor=g.actor
    )
    return policy.to_dict()


@bp.get("/labels")
@require("viewer")
def labels_page():
    policy = protection.get_policy(engine(), g.project_id)
    return render_template("settings/labels.html", policy=policy, roles=protection.MOVER_ROLES)


@bp.post("/labels")
@require("admin")
def set_labels_page():
    form = request.form
    try:
        policy = protection.set_policy(
            engine(),
            g.project_id,
            protection.parse_labels(form.get("protected_labels", "")),
            form.get("mover_role", "admin"),
            actor=g.actor,
        )
    except InvalidInput as exc:
        flash(str(exc), "error")
    else:
        shown = ", ".join(policy.protected_labels) or "no label"
        flash(f"Protected: {shown}; moved by {policy.mover_role}s and above.", "success")
    return redirect(url_for("settings.labels_page"))
