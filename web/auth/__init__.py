"""Sign in, sign out, switch project, accept invitations; the home page and the health check."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from otel_llm_server.web.access import public, require, sign_in, sign_out, signed_in, switch_project
from otel_llm_server.web.db import engine

from otel_llm.accounts import invitations, throttle
from otel_llm.accounts import users as users_service
from otel_llm.accounts.errors import AccountError

bp = Blueprint("auth", __name__, template_folder="templates")


@bp.get("/healthz")
@public
def health():
    return {"status": "ok"}


@bp.get("/")
@require("viewer")
def home():
    return redirect(url_for("overview.index"))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in_page():
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("auth/sign_in.html", next=next_url, email="")
    email = request.form.get("email", "")
    wait = throttle.reserve(engine(), email, request.remote_addr)
    if wait:
        flash(f"Too many failed sign-ins; try again in {wait // 60 + 1} minutes.", "error")
        return render_template("auth/sign_in.html", next=next_url, email=email), 429
    user = users_service.verify_credentials(engine(), email, request.form.get("password", ""))
    if user is None:
        flash("That email and password do not match an account.", "error")
        return render_template("auth/sign_in.html", next=next_url, email=email), 401
    throttle.succeeded(engine(), email, request.remote_addr)
    sign_in(user)
    if invitations.pending_for(engine(), user.email):
        return redirect(url_for("auth.invitations_page"))
    return redirect(next_url or url_for("auth.home"))


@bp.post("/sign-out")
@public
def sign_out_page():
    sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.sign_in_page"))


@bp.post("/switch-project")
@require("viewer")
def switch():
    try:
        project_id = int(request.form.get("project_id", ""))
    except ValueError:
        project_id = -1
    if not switch_project(project_id):
        flash("You are not a member of that project.", "error")
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.home"))


@bp.get("/invitations")
@signed_in
def invitations_page():
    pending = invitations.pending_for(engine(), g.user.email)
    member_of = users_service.list_memberships(engine(), user_id=g.user.id)
    return render_template("auth/invitations.html", invitations=pending, member_of=member_of)


@bp.post("/invitations/<int:invitation_id>/accept")
@signed_in
def accept_invitation(invitation_id: int):
    try:
        invitation = invitations.accept(engine(), g.user, invitation_id)
    except AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("auth.invitations_page"))
    switch_project(invitation.project_id)
    flash(f"You joined {invitation.project_name} as {invitation.role}.", "success")
    return redirect(url_for("auth.home"))


@bp.post("/invitations/<int:invitation_id>/decline")
@signed_in
def decline_invitation(invitation_id: int):
    try:
        invitation = invitations.decline(engine(), g.user, invitation_id)
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(f"You declined the invitation to {invitation.project_name}.", "info")
    return redirect(url_for("auth.invitations_page"))


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: ``/traces?x=1`` yes; ``//evil.example`` or ``https://…`` no."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
