"""Settings pages: Members and API keys. Forms flash their outcome and redirect (or re-render)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from otel_llm_server.web.access import can, require
from otel_llm_server.web.db import engine
from otel_llm_server.web.settings import members

from otel_llm.accounts import ROLES, create_key, invitations, list_keys, revoke_key
from otel_llm.accounts import users as users_service
from otel_llm.accounts.errors import AccountError
from otel_llm.storage import retention

bp = Blueprint("settings", __name__, url_prefix="/settings", template_folder="templates")


@bp.get("/members")
@require("viewer")
def members_page():
    rows = users_service.list_memberships(engine(), project=g.project_name)
    pending = invitations.list_for_project(engine(), g.project_id) if can("admin") else []
    return render_template("settings/members.html", members=rows, roles=ROLES, invitations=pending)


@bp.post("/members")
@require("admin")
def add_member():
    form = request.form
    try:
        invitation = members.invite(form.get("email", ""), form.get("role", ""), form.get("password") or None)
    except (AccountError, ValueError) as exc:
        flash(str(exc), "error")
    else:
        flash(members.invited_message(invitation), "success")
    return redirect(url_for("settings.members_page"))


@bp.post("/invitations/<int:invitation_id>/cancel")
@require("admin")
def cancel_invitation(invitation_id: int):
    try:
        invitation = invitations.cancel(engine(), g.project_id, invitation_id)
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(f"The invitation of {invitation.email} is withdrawn.", "success")
    return redirect(url_for("settings.members_page"))


@bp.post("/members/<int:user_id>/role")
@require("admin")
def set_member_role(user_id: int):
    try:
        member = members.change_role(user_id, request.form.get("role", ""))
    except (AccountError, ValueError) as exc:
        flash(str(exc), "error")
    else:
        flash(f"{member.email} is now {member.role}.", "success")
    return redirect(url_for("settings.members_page"))


@bp.post("/members/<int:user_id>/remove")
@require("admin")
def remove_member(user_id: int):
    try:
        member = members.remove_member(user_id)
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{member.email} no longer has access to {member.project_name}.", "success")
    return redirect(url_for("settings.members_page"))


@bp.get("/keys")
@require("admin")
def keys_page():
    return render_template(
        "settings/keys.html", keys=list_keys(engine(), g.project_name), roles=ROLES, token=None
    )


@bp.post("/keys")
@require("admin")
def create_key_page():
    try:
        info, token = create_key(
            engine(), g.project_name, request.form.get("role", ""), request.form.get("name", "")
        )
    except (AccountError, ValueError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("settings.keys_page"))
    # Shown once, in this response only; never stored in clear or put in the session.
    keys = list_keys(engine(), g.project_name)
    page = render_template("settings/keys.html", keys=keys, roles=ROLES, token=token, created=info)
    return page, 200, {"Cache-Control": "no-store"}


@bp.post("/keys/<int:key_id>/revoke")
@require("admin")
def revoke_key_page(key_id: int):
    try:
        info = revoke_key(engine(), key_id, project_name=g.project_name)
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Key {info.display} ({info.name or 'unnamed'}) is revoked.", "success")
    return redirect(url_for("settings.keys_page"))


@bp.get("/retention")
@require("viewer")
def retention_page():
    policy = retention.policy_of(engine(), g.project_id)
    return render_template("settings/retention.html", policy=policy, most=retention.MAX_RETENTION_DAYS)


@bp.post("/retention")
@require("admin")
def set_retention_page():
    try:
        days = retention.parse_days(request.form.get("days", ""))
        policy = retention.set_retention(engine(), g.project_id, days)
    except retention.InvalidRetention as exc:
        flash(str(exc), "error")
    else:
        kept = "forever" if policy.days is None else f"for {policy.days} days"
        flash(f"Spans of {policy.project} are now kept {kept}.", "success")
    return redirect(url_for("settings.retention_page"))
