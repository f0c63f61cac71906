"""Tables of the console: people who sign in, and their role in each project."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    func,
)

from otel_llm.storage.schema_core import metadata

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),  # stored lower-cased
    Column("password_hash", String(256), nullable=False),  # werkzeug scrypt, salted
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("disabled", Boolean, nullable=False, server_default="0"),
    # Sessions signed in with an older generation are over (sign-out, password or role change).
    Column("session_generation", Integer, nullable=False, server_default="0"),
)

memberships = Table(
    "memberships",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_memberships_project", "project_id"),
)

# Sign-in attempts per key (``account:<email>|<address>``, ``client:<address>``) in the current window.
sign_in_throttle = Table(
    "sign_in_throttle",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("window_started_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False),
)

# People asked to join a project; they become members when they accept (after signing in).
invitations = Table(
    "invitations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(254), nullable=False),  # stored lower-cased
    Column("role", String(16), nullable=False),
    Column("invited_by", String(254), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("project_id", "email", name="uq_invitations_project_email"),
    Index("ix_invitations_email", "email"),
)

__all__ = ["users", "memberships", "sign_in_throttle", "invitations"]
