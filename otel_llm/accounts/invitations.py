"""Invitations: how a person joins a project from the console or the API.

An admin invites an email with a role; the person becomes a member only when they accept, after
signing in (``pending_for`` is what they see). Inviting answers the same whether or not an account
exists for the email, so the form cannot be used to find out who has one. For someone without an
account the admin may give an initial password: the account is created (with no project) and the
invitation waits for its first sign-in; an existing account keeps its own password.

Example::

    invite(engine, project_id, "bob@example.com", "editor", invited_by="ada@example.com")
    for invitation in pending_for(engine, "bob@example.com"):
        accept(engine, bob, invitation.id)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from otel_llm.accounts.errors import AccountError
from otel_llm.accounts.roles import check_role
from otel_llm.accounts.users import User, check_password, create_account, normalize_email
from otel_llm.storage.schema import projects
from otel_llm.storage.schema_console import invitations, memberships, users
from otel_llm.storage.timeutil import as_utc


class InvitationNotFound(AccountError):
    pass


@dataclass(frozen=True)
class Invitation:
    id: int
    project_id: int
    project_name: str
    email: str
    role: str
    invited_by: str
    created_at: datetime | None


def invite(
    engine: Engine, project_id: int, email: str, role: str, invited_by: str, password: str | None = None
) -> Invitation:
    """Invite ``email`` to be ``role`` in the project (replacing an earlier invitation's role)."""
    email = normalize_email(email)
    check_role(role)
    if password:
        check_password(password)
        _create_account_if_new(engine, email, password)
    with engine.begin() as connection:
        changed = connection.execute(
            update(invitations)
            .where(invitations.c.project_id == project_id, invitations.c.email == email)
            .values(role=role, invited_by=invited_by)
        ).rowcount
        if not changed:
            connection.execute(
                insert(invitations).values(
                    project_id=project_id, email=email, role=role, invited_by=invited_by
                )
            )
    return _one(engine, (invitations.c.project_id == project_id) & (invitations.c.email == email))


def pending_for(engine: Engine, email: str) -> list[Invitation]:
    """The invitations waiting for ``email``, oldest first."""
    return _many(engine, invitations.c.email == normalize_email(email))


def list_for_project(engine: Engine, project_id: int) -> list[Invitation]:
    return _many(engine, invitations.c.project_id == project_id)


def accept(engine: Engine, user: User, invitation_id: int) -> Invitation:
    """Make ``user`` a member as the invitation says; only the invited email may accept it."""
    invitation = _mine(engine, user, invitation_id)
    with engine.begin() as connection:
        changed = connection.execute(
            update(memberships)
            .where(memberships.c.user_id == user.id, memberships.c.project_id == invitation.project_id)
            .values(role=invitation.role)
        ).rowcount
        if not changed:
            connection.execute(
                insert(memberships).values(
                    user_id=user.id, project_id=invitation.project_id, role=invitation.role
                )
            )
        connection.execute(delete(invitations).where(invitations.c.id == invitation.id))
    return invitation


def decline(engine: Engine, user: User, invitation_id: int) -> Invitation:
    invitation = _mine(engine, user, invitation_id)
    _delete(engine, invitation.id)
    return invitation


def cancel(engine: Engine, project_id: int, invitation_id: int) -> Invitation:
    """Withdraw an invitation of the project (admins)."""
    found = _many(engine, (invitations.c.id == invitation_id) & (invitations.c.project_id == project_id))
    if not found:
        raise InvitationNotFound(f"invitation {invitation_id} does not exist in this project.")
    _delete(engine, invitation_id)
    return found[0]


def _create_account_if_new(engine: Engine, email: str, password: str) -> None:
    """Create the account unless it exists, spending the same hashing time either way."""
    with engine.connect() as connection:
        exists = connection.execute(select(users.c.id).where(users.c.email == email)).first() is not None
    if exists:
        generate_password_hash(password)
        return
    try:
        create_account(engine, email, password)
    except (IntegrityError, AccountError):  # created meanwhile: it keeps its own password
        pass


def _mine(engine: Engine, user: User, invitation_id: int) -> Invitation:
    found = _many(engine, (invitations.c.id == invitation_id) & (invitations.c.email == user.email))
    if not found:
        raise InvitationNotFound(f"there is no invitation {invitation_id} for {user.email}.")
    return found[0]


def _delete(engine: Engine, invitation_id: int) -> None:
    with engine.begin() as connection:
        connection.execute(delete(invitations).where(invitations.c.id == invitation_id))


def _select():
    return select(invitations, projects.c.name.label("project_name")).join(
        projects, projects.c.id == invitations.c.project_id
    )


def _one(engine: Engine, condition) -> Invitation:
    found = _many(engine, condition)
    assert found, "the invitation just written is missing"
    return found[0]


def _many(engine: Engine, condition) -> list[Invitation]:
    with engine.connect() as connection:
        rows = connection.execute(_select().where(condition).order_by(invitations.c.id)).all()
    return [_invitation(r) for r in rows]


def _invitation(row) -> Invitation:
    return Invitation(
        id=row.id,
        project_id=row.project_id,
        project_name=row.project_name,
        email=row.email,
        role=row.role,
        invited_by=row.invited_by,
        created_at=as_utc(row.created_at),
    )
