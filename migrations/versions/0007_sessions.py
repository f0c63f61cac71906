"""sessions: a per-user session generation, shared sign-in throttling, project invitations

Revision ID: 0007_sessions
Revises: 0008_prices
Create Date: 2026-12-02

- ``users.session_generation``: every console session carries the generation it was signed in
  with; sign-out, a password change, a role change or removal from a project increments it, which
  ends every session the user had (see ``otel_llm/accounts/sessions.py``).
- ``sign_in_throttle``: failed sign-ins counted in the database, one row per account+client and per
  client, so the limit holds atomically across threads, workers and console processes.
- ``invitations``: a person asked to join a project; they become a member when they accept.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_sessions"
down_revision = "0008_prices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("invited_by", sa.String(254), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("project_id", "email", name="uq_invitations_project_email"),
    )
    op.create_index("ix_invitations_email", "invitations", ["email"])


def downgrade() -> None:
    op.drop_index("ix_invitations_email", table_name="invitations")
    op.drop_table("invitations")
    op.drop_table("sign_in_throttle")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")
