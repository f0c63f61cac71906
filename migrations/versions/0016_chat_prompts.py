"""chat prompts: a version is a text or chat template (messages, tools, response format), in the
simple or Jinja2 format, and records the versions of other prompts it included

Revision ID: 0016_chat_prompts
Revises: 0013_evaluations
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0016_chat_prompts"
down_revision = "0014_span_columns"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    # Plain ADD COLUMN: prompt_versions has ON DELETE CASCADE children, so no batch (table rebuild).
    op.add_column("prompt_versions", sa.Column("kind", sa.String(8), nullable=False, server_default="text"))
    op.add_column(
        "prompt_versions",
        sa.Column("template_format", sa.String(16), nullable=False, server_default="simple"),
    )
    op.add_column("prompt_versions", sa.Column("chat", JSONType))
    op.add_column("prompt_versions", sa.Column("content_hash", sa.String(64)))
    op.create_table(
        "prompt_includes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("prompt_versions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("ref", sa.String(160), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("template", sa.Text, nullable=False),
    )
    op.create_index("ix_prompt_includes_version", "prompt_includes", ["version_id"])
    op.create_index("ix_prompt_includes_name", "prompt_includes", ["name"])


def downgrade() -> None:
    op.drop_index("ix_prompt_includes_name", table_name="prompt_includes")
    op.drop_index("ix_prompt_includes_version", table_name="prompt_includes")
    op.drop_table("prompt_includes")
    for column in ("content_hash", "chat", "template_format", "kind"):
        op.drop_column("prompt_versions", column)
