"""Console users and their memberships: who may sign in, and with which role in which project.

Passwords are stored as werkzeug's salted scrypt hashes only. The CLI (``otel-llm users``), the
console's Settings → Members page and the sign-in form all call these functions.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from otel_llm.accounts.errors import AccountError
from otel_llm.accounts.projects import require_project
from otel_llm.accounts.roles import check_role
from otel_llm.storage.schema import projects
from otel_llm.storage.schema_console import memberships, users
from otel_llm.storage.timeutil import as_utc

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+$")
MIN_PASSWORD_LENGTH = 8


def generate_password_hash(password: str) -> str:
    from werkzeug.security import generate_password_hash as make  # loaded on use: commands start fast

    return make(password)


def check_password_hash(password_hash: str, password: str) -> bool:
    from werkzeug.security import check_password_hash as check

    return check(password_hash, password)


@cache
def _dummy_hash() -> str:
    """A hash made once (on the first sign-in, not at import: scrypt takes a while), checked against
    when the email is unknown, so a wrong email costs the same time as a wrong password (sign-in
    timing does not reveal which emails exist)."""
    return generate_password_hash("otel-llm-timing-equaliser")


class UserNotFound(AccountError):
    pass


class UserExists(AccountError):
    pass


class InvalidPassword(AccountError):
    pass


@dataclass(frozen=True)
class User:
    id: int
    email: str
    created_at: datetime | None
    disabled: bool
    session_generation: int = 0


@dataclass(frozen=True)
class Membership:
    """One user's role in one project."""

    user_id: int
    email: str
    project_id: int
    project_name: str
    role: str


def normalize_email(email: str) -> str:
    cleaned = (email or "").strip().lower()
    if not EMAIL_PATTERN.match(cleaned) or len(cleaned) > 254:
        raise AccountError(f"{email!r} is not an email address; use e.g. 'ada@example.com'.")
    return cleaned


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidPassword(f"the password must have at least {MIN_PASSWORD_LENGTH} characters.")
    return password


def check_new_user(engine: Engine, email: str, project: str, role: str) -> str:
    """What ``create_user`` checks before the password (so a terminal asks for it only when the rest
    is right): the normalised email, not taken; an existing project; a known role."""
    email = normalize_email(email)
    check_role(role)
    require_project(engine, project)
    with engine.connect() as connection:
        taken = connection.execute(select(users.c.id).where(users.c.email == email)).first()
    if taken:
        raise _exists(email, project, role)
    return email


def _exists(email: str, project: str, role: str) -> UserExists:
    return UserExists(
        f"{email} already exists; give them access with `otel-llm users set-role {email} "
        f"--project {project} --role {role}`."
    )


def create_user(engine: Engine, email: str, password: str, project: str, role: str) -> Membership:
    """A new user who is ``role`` in ``project``. ``UserExists`` if the email is taken."""
    email = normalize_email(email)
    check_password(password)
    check_role(role)
    project_row = require_project(engine, project)
    try:
        with engine.begin() as connection:
            user_id = connection.execute(
                insert(users).values(**_new_account(email, password)).returning(users.c.id)
            ).scalar_one()
            connection.execute(
                insert(memberships).values(user_id=user_id, project_id=project_row.id, role=role)
            )
    except IntegrityError as exc:
        raise _exists(email, project, role) from exc
    return _require_membership(engine, user_id, project_row.id)


def _new_account(email: str, password: str) -> dict:
    # A random first generation: a session of a deleted account never matches a new account that
    # is given the same id (SQLite reuses the highest id once it is deleted).
    return dict(
        email=email,
        password_hash=generate_password_hash(password),
        session_generation=secrets.randbelow(2**30),
    )


def create_account(engine: Engine, email: str, password: str) -> User:
    """A new account for ``email`` with no project yet (it joins projects by accepting invitations)."""
    email = normalize_email(email)
    check_password(password)
    try:
        with engine.begin() as connection:
            connection.execute(insert(users).values(**_new_account(email, password)))
    except IntegrityError as exc:
        raise UserExists(f"{email} already exists.") from exc
    return require_user(engine, email)


def ensure_user(engine: Engine, email: str, password: str, project: str, role: str) -> Membership:
    """Make sure ``email`` can sign in with ``password`` as ``role`` in ``project`` (e.g. the demo admin)."""
    try:
        require_user(engine, email)
    except UserNotFound:
        return create_user(engine, email, password, project, role)
    set_password(engine, email, password)
    return set_role(engine, email, project, role)


def set_role(engine: Engine, email: str, project: str, role: str) -> Membership:
    """Make an existing user ``role`` in ``project`` (adding them to it if needed)."""
    check_role(role)
    user = require_user(engine, email)
    project_row = require_project(engine, project)
    with engine.begin() as connection:
        changed = connection.execute(
            update(memberships)
            .where(memberships.c.user_id == user.id, memberships.c.project_id == project_row.id)
            .values(role=role)
        ).rowcount
        if changed:
            end_sessions(connection, user.id)  # a changed role ends the sessions signed in with the old one
        else:
            connection.execute(
                insert(memberships).values(user_id=user.id, project_id=project_row.id, role=role)
            )
    return _require_membership(engine, user.id, project_row.id)


def remove_user(engine: Engine, email: str, project: str | None = None) -> None:
    """Take ``email`` out of ``project``; with no project, delete the user altogether."""
    user = require_user(engine, email)
    with engine.begin() as connection:
        if project is None:
            connection.execute(delete(users).where(users.c.id == user.id))
            return
        project_row = require_project(engine, project)
        removed = connection.execute(
            delete(memberships).where(
                memberships.c.user_id == user.id, memberships.c.project_id == project_row.id
            )
        ).rowcount
        end_sessions(connection, user.id)
    if not removed:
        raise UserNotFound(f"{user.email} is not a member of project {project!r}.")


def set_password(engine: Engine, email: str, password: str) -> None:
    user = require_user(engine, email)
    check_password(password)
    with engine.begin() as connection:
        connection.execute(
            update(users).where(users.c.id == user.id).values(password_hash=generate_password_hash(password))
        )
        end_sessions(connection, user.id)


def end_sessions(connection: Connection, user_id: int) -> None:
    """End every console session of ``user_id`` (each carries the generation it was signed in with)."""
    connection.execute(
        update(users).where(users.c.id == user_id).values(session_generation=users.c.session_generation + 1)
    )


def sign_out_everywhere(engine: Engine, user_id: int) -> None:
    with engine.begin() as connection:
        end_sessions(connection, user_id)


def verify_credentials(engine: Engine, email: str, password: str) -> User | None:
    """The user if ``email`` + ``password`` match an enabled account, else None."""
    try:
        email = normalize_email(email)
    except AccountError:
        return None
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.email == email)).first()
    if row is None:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not check_password_hash(row.password_hash, password or "") or row.disabled:
        return None
    return _user(row)


def get_user(engine: Engine, user_id: int) -> User | None:
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.id == user_id)).first()
    return _user(row) if row is not None else None


def require_user(engine: Engine, email: str) -> User:
    email = normalize_email(email)
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.email == email)).first()
    if row is None:
        raise UserNotFound(f"no user {email}; create one with `otel-llm users create {email} --project P`.")
    return _user(row)


def list_memberships(
    engine: Engine, project: str | None = None, user_id: int | None = None
) -> list[Membership]:
    """Memberships, by project then email; optionally of one project or one user."""
    stmt = _membership_select().order_by(projects.c.name, users.c.email)
    if project is not None:
        stmt = stmt.where(memberships.c.project_id == require_project(engine, project).id)
    if user_id is not None:
        stmt = stmt.where(memberships.c.user_id == user_id)
    with engine.connect() as connection:
        return [_membership(r) for r in connection.execute(stmt)]


def get_membership(engine: Engine, user_id: int, project_id: int) -> Membership | None:
    stmt = _membership_select().where(
        memberships.c.user_id == user_id, memberships.c.project_id == project_id, users.c.disabled.is_(False)
    )
    with engine.connect() as connection:
        row = connection.execute(stmt).first()
    return _membership(row) if row is not None else None


def count_admins(engine: Engine, project_id: int) -> int:
    stmt = select(memberships.c.user_id).where(
        memberships.c.project_id == project_id, memberships.c.role == "admin"
    )
    with engine.connect() as connection:
        return len(connection.execute(stmt).all())


def _require_membership(engine: Engine, user_id: int, project_id: int) -> Membership:
    membership = get_membership(engine, user_id, project_id)
    assert membership is not None
    return membership


def _membership_select():
    return (
        select(
            memberships.c.user_id,
            users.c.email,
            memberships.c.project_id,
            projects.c.name.label("project_name"),
            memberships.c.role,
        )
        .join(users, users.c.id == memberships.c.user_id)
        .join(projects, projects.c.id == memberships.c.project_id)
    )


def _membership(row) -> Membership:
    return Membership(
        user_id=row.user_id,
        email=row.email,
        project_id=row.project_id,
        project_name=row.project_name,
        role=row.role,
    )


def _user(row) -> User:
    return User(
        id=row.id,
        email=row.email,
        created_at=as_utc(row.created_at),
        disabled=bool(row.disabled),
        session_generation=row.session_generation,
    )
