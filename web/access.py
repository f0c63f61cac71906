"""The one access check of the console and the API.

Every view carries ``@require("viewer" | "editor" | "admin")`` or, for the few public pages,
``@public``; ``tests/test_web_access.py`` walks ``app.url_map`` and fails on a view with neither.

``require`` finds the caller (an API key from ``Authorization: Bearer …`` on ``/api/`` routes, else
the signed-in user's membership in the session's current project), checks the role and sets:

- ``g.project_id``, ``g.project_name`` — scope every query by ``g.project_id``;
- ``g.role`` — the caller's role in that project;
- ``g.actor`` — who did it, for audit fields: the user's email or ``key:<prefix>``;
- ``g.user`` — the signed-in ``User`` (None for API keys).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, redirect, request, session, url_for
from otel_llm_server.web.api_error import ApiError, is_api_request
from otel_llm_server.web.db import engine

from otel_llm.accounts import authenticate, key_actor, role_at_least
from otel_llm.accounts import users as users_service
from otel_llm.accounts.roles import check_role, missing_role

ACCESS_ATTR = "otel_llm_access"
PUBLIC = "public"
SIGNED_IN = "signed-in"
SEEN_RESOLUTION_SECONDS = 60
"""The session's last-seen time is rewritten at most this often (not a new cookie on every request)."""


@dataclass(frozen=True)
class Caller:
    project_id: int
    project_name: str
    role: str
    actor: str
    user: users_service.User | None = None


class NotSignedIn(Exception):
    pass


class NoProject(Exception):
    """A signed-in user who is a member of no project (yet): their pages show their invitations."""

    def __init__(self, user: users_service.User):
        super().__init__(user.email)
        self.user = user


def require(role: str) -> Callable:
    """Decorator: the caller needs at least ``role`` in the current project (401/403 otherwise)."""
    check_role(role)

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            try:
                caller = current_caller()
            except NoProject:
                return redirect(url_for("auth.invitations_page"))
            except NotSignedIn:
                if is_api_request():
                    raise ApiError(
                        401, "unauthorized", "sign in, or send 'Authorization: Bearer <api key>'."
                    ) from None
                return redirect(url_for("auth.sign_in_page", next=request.full_path.rstrip("?")))
            refusal = missing_role(caller.role, role, caller.project_name)
            if refusal is not None:
                raise ApiError(403, "forbidden", refusal)
            return view(*args, **kwargs)

        setattr(wrapped, ACCESS_ATTR, role)
        return wrapped

    return decorator


def signed_in(view: Callable) -> Callable:
    """Decorator: any signed-in user, member of a project or not (their invitations); sets ``g.user``."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        user = current_user()
        if user is None:
            return redirect(url_for("auth.sign_in_page", next=request.full_path.rstrip("?")))
        g.user = user
        return view(*args, **kwargs)

    setattr(wrapped, ACCESS_ATTR, SIGNED_IN)
    return wrapped


def public(view: Callable) -> Callable:
    """Mark a view that anyone may call (sign-in, health). Kept to an allow-list by a test."""
    setattr(view, ACCESS_ATTR, PUBLIC)
    return view


def can(role: str) -> bool:
    """In templates and views: does the current caller have at least ``role``? (Show/hide actions.)"""
    current = g.get("role")
    return bool(current) and role_at_least(current, role)


def current_caller() -> Caller:
    """Resolve (once per request) who is calling and in which project; sets the ``g`` fields."""
    caller = g.get("caller")
    if caller is None:
        caller = _key_caller() if _bearer_token() is not None else _session_caller()
        g.caller = caller
        g.project_id, g.project_name, g.role = caller.project_id, caller.project_name, caller.role
        g.actor, g.user = caller.actor, caller.user
    return caller


def uses_api_key() -> bool:
    """True for API requests authenticated by a key (they need no CSRF token: no cookie is used)."""
    return _bearer_token() is not None


def _bearer_token() -> str | None:
    if not is_api_request():
        return None
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "the Authorization header must be 'Bearer <api key>'.")
    return token.strip()


def _key_caller() -> Caller:
    token = _bearer_token() or ""
    info = authenticate(engine(), token)
    if info is None:
        raise ApiError(
            401, "unauthorized", "this API key is unknown or revoked; create one in Settings → API keys."
        )
    return Caller(info.project_id, info.project_name, info.role, actor=key_actor(token, info))


def current_user() -> users_service.User | None:
    """The signed-in user, if the session is still valid: same generation, not idle or too old."""
    user_id = session.get("user_id")
    user = users_service.get_user(engine(), user_id) if isinstance(user_id, int) else None
    now = int(time.time())
    if user is None or user.disabled or not _session_is_live(user, now):
        session.clear()
        return None
    if now - session.get("seen_at", 0) >= SEEN_RESOLUTION_SECONDS:
        session["seen_at"] = now
    return user


def _session_is_live(user: users_service.User, now: int) -> bool:
    signed_in_at, seen_at = session.get("signed_in_at"), session.get("seen_at")
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return False
    config = current_app.config
    return (
        session.get("generation") == user.session_generation
        and now - seen_at < config["SESSION_IDLE_SECONDS"]
        and now - signed_in_at < config["SESSION_MAX_SECONDS"]
    )


def _session_caller() -> Caller:
    user = current_user()
    if user is None:
        raise NotSignedIn()
    membership = _current_membership(user)
    if membership is None:
        if not is_api_request():
            raise NoProject(user)
        raise ApiError(
            403,
            "no_project",
            f"{user.email} is not a member of any project; accept an invitation at /invitations, or ask "
            f"an admin to invite you (`otel-llm users set-role {user.email} --project P --role viewer`).",
        )
    session["project_id"] = membership.project_id
    return Caller(
        membership.project_id, membership.project_name, membership.role, actor=user.email, user=user
    )


def _current_membership(user: users_service.User) -> users_service.Membership | None:
    project_id = session.get("project_id")
    if isinstance(project_id, int):
        membership = users_service.get_membership(engine(), user.id, project_id)
        if membership is not None:
            return membership
    memberships = users_service.list_memberships(engine(), user_id=user.id)
    return memberships[0] if memberships else None


def sign_in(user: users_service.User) -> None:
    """Start a fresh session for ``user`` (a new session defeats session fixation)."""
    session.clear()
    session.permanent = True
    now = int(time.time())
    session.update(user_id=user.id, generation=user.session_generation, signed_in_at=now, seen_at=now)


def sign_out() -> None:
    """End this session and every other session of the same user (a stolen copy of the cookie too)."""
    user = current_user()
    if user is not None:
        users_service.sign_out_everywhere(engine(), user.id)
    session.clear()


def switch_project(project_id: int) -> bool:
    """Make ``project_id`` current if the signed-in user is a member of it."""
    user = g.get("user")
    if user is None or users_service.get_membership(engine(), user.id, project_id) is None:
        return False
    session["project_id"] = project_id
    return True
