"""Sign in, sign out, switch project; the home page and the health check."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from otel_llm_server.web.access import public, require, sign_in, sign_out, switch_project
from otel_llm_server.web.auth import throttle
from otel_llm_server.web.db import engine

from otel_llm.accounts import users as users_service

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
    attempt = throttle.attempt_key(email, request.remote_addr)
    wait = throttle.seconds_blocked(attempt)
    if wait:
        flash(f"Too many failed sign-ins for this email; try again in {wait // 60 + 1} minutes.", "error")
        return render_template("auth/sign_in.html", next=next_url, email=email), 429
    user = users_service.verify_credentials(engine(), email, request.form.get("password", ""))
    if user is None:
        throttle.record_failure(attempt)
        flash("That email and password do not match an account.", "error")
        return render_template("auth/sign_in.html", next=next_url, email=email), 401
    throttle.record_success(attempt)
    sign_in(user)
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


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: ``/traces?x=1`` yes; ``//evil.example`` or ``https://…`` no."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
