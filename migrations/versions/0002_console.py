"""console: users and project memberships

Revision ID: 0002_console
Revises: 0001_spine
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_console"
down_revision = "0001_spine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default="0"),
    )
    op.create_table(
        "memberships",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_memberships_project", "memberships", ["project_id"])


def downgrade() -> None:
    op.drop_index("ix_memberships_project", table_name="memberships")
    op.drop_table("memberships")
    op.drop_table("users")
