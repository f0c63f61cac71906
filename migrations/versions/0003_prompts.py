"""prompts: prompt registry (prompts, versions, labels, label history) and feedback

Revision ID: 0003_prompts
Revises: 0002_console
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003_prompts"
down_revision = "0002_console"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def _prompt_fk() -> sa.Column:
    return sa.Column("prompt_id", sa.Integer, sa.ForeignKey("prompts.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "prompts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        _created_at(),
        sa.UniqueConstraint("project_id", "name", name="uq_prompts_project_name"),
    )
    op.create_table(
        "prompt_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _prompt_fk(),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("config", JSONType, nullable=False),
        sa.Column("version_hash", sa.String(64), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("parent_version", sa.Integer),
        sa.Column("change_summary", sa.Text, nullable=False, server_default=""),
        sa.Column("tags", JSONType, nullable=False),
        sa.Column("author", sa.String(200), nullable=False, server_default=""),
        _created_at(),
        sa.Column("archived", sa.Boolean, nullable=False, server_default="0"),
        sa.UniqueConstraint("prompt_id", "version", name="uq_prompt_versions_prompt_version"),
    )
    op.create_index("ix_prompt_versions_hash", "prompt_versions", ["version_hash"])
    op.create_table(
        "prompt_labels",
        sa.Column("prompt_id", sa.Integer, sa.ForeignKey("prompts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("label", sa.String(50), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "prompt_label_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _prompt_fk(),
        sa.Column("label", sa.String(50), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_version", sa.Integer),
        sa.Column("to_version", sa.Integer),
        sa.Column("actor", sa.String(200), nullable=False, server_default=""),
        _created_at(),
    )
    op.create_index("ix_prompt_label_history_prompt", "prompt_label_history", ["prompt_id", "id"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("trace_id", sa.String(32)),
        sa.Column("span_id", sa.String(16)),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("source", sa.String(16), nullable=False),
        _created_at(),
    )
    op.create_index("ix_feedback_project_span", "feedback", ["project_id", "span_id"])
    op.create_index("ix_feedback_project_trace", "feedback", ["project_id", "trace_id"])


def downgrade() -> None:
    op.drop_index("ix_feedback_project_trace", table_name="feedback")
    op.drop_index("ix_feedback_project_span", table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_prompt_label_history_prompt", table_name="prompt_label_history")
    op.drop_table("prompt_label_history")
    op.drop_table("prompt_labels")
    op.drop_index("ix_prompt_versions_hash", table_name="prompt_versions")
    op.drop_table("prompt_versions")
    op.drop_table("prompts")
