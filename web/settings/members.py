"""Member changes shared by the Members page and the members API, with the one rule both need:
a project always keeps at least one admin."""

from __future__ import annotations

from flask import g
from otel_llm_server.web.db import engine

from otel_llm.accounts import invitations
from otel_llm.accounts import users as users_service
from otel_llm.accounts.errors import AccountError


class LastAdmin(AccountError):
    pass


def invite(email: str, role: str, password: str | None) -> invitations.Invitation:
    """Invite ``email`` as ``role`` to the current project (the same answer whether or not they have
    an account; ``password`` only sets up an account that does not exist yet)."""
    return invitations.invite(engine(), g.project_id, email, role, invited_by=g.actor, password=password)


def invited_message(invitation: invitations.Invitation) -> str:
    return (
        f"Invitation saved: {invitation.email} joins {invitation.project_name} as {invitation.role} "
        "after accepting it when they sign in."
    )


def change_role(user_id: int, role: str) -> users_service.Membership:
    member = _member(user_id)
    if member.role == "admin" and role != "admin":
        _keep_an_admin()
    return users_service.set_role(engine(), member.email, g.project_name, role)


def remove_member(user_id: int) -> users_service.Membership:
    member = _member(user_id)
    if member.role == "admin":
        _keep_an_admin()
    users_service.remove_user(engine(), member.email, g.project_name)
    return member


def _member(user_id: int) -> users_service.Membership:
    member = users_service.get_membership(engine(), user_id, g.project_id)
    if member is None:
        raise users_service.UserNotFound(f"user {user_id} is not a member of {g.project_name}.")
    return member


def _keep_an_admin() -> None:
    if users_service.count_admins(engine(), g.project_id) <= 1:
        raise LastAdmin(f"{g.project_name} needs at least one admin; make someone else admin first.")
