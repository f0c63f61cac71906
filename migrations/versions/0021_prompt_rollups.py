"""prompt rollups: app calls linked to prompts per UTC day and link key, kept exact by triggers

Revision ID: 0021_prompt_rollups
Revises: 0018_overview_rollups
Create Date: 2026-12-04

Tables ``prompt_rollups`` (calls, errors, tokens, cost per project, prompt name, prompt version,
tracked hashes and day), ``prompt_latency`` (the same key with a count per latency bucket, the
overview's buckets) and ``prompt_rollup_hashes`` (the hashes of every prompt version, per project).
See ``otel_llm/storage/schema_prompt_rollups.py``; the triggers' SQL is
``otel_llm/storage/prompt_rollups.py``. Hashes are tracked and triggers created before the
backfill, in the same transaction: writers wait for its commit, so nothing is missed or counted
twice.
"""

import sqlalchemy as sa
from alembic import op

from otel_llm.storage import prompt_rollups

revision = "0021_prompt_rollups"
down_revision = "0018_overview_rollups"
branch_labels = None
depends_on = None


def _key() -> list[sa.Column]:
    return [
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("prompt_name", sa.String(200), nullable=False),
        sa.Column("prompt_version", sa.String(32), nullable=False),
        sa.Column("system_prompt_hash", sa.String(64), nullable=False),
        sa.Column("prompt_hash", sa.String(64), nullable=False),
        sa.Column("day", sa.BigInteger, nullable=False),
    ]


KEY = ["project_id", "prompt_name", "prompt_version", "system_prompt_hash", "prompt_hash", "day"]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "prompt_rollups",
        *_key(),
        *[
            sa.Column(c, sa.BigInteger, nullable=False)
            for c in ("calls", "errors", "input_tokens", "input_n", "output_tokens", "output_n", "cost_n")
        ],
        sa.Column("cost_usd", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint(*KEY, name="pk_prompt_rollups"),
    )
    op.create_table(
        "prompt_latency",
        *_key(),
        sa.Column("bucket", sa.Integer, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint(*KEY, "bucket", name="pk_prompt_latency"),
    )
    op.create_table(
        "prompt_rollup_hashes",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "hash", name="pk_prompt_rollup_hashes"),
    )
    op.execute(
        "INSERT INTO prompt_rollup_hashes (project_id, hash) "
        "SELECT DISTINCT p.project_id, v.version_hash FROM prompt_versions v JOIN prompts p ON p.id = v.prompt_id"
    )
    for statement in prompt_rollups.trigger_statements(dialect):  # their locks hold writers back
        op.execute(statement)
    for statement in prompt_rollups.backfill_statements(dialect):
        op.execute(statement)


def downgrade() -> None:
    for statement in prompt_rollups.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("prompt_rollup_hashes")
    op.drop_table("prompt_latency")
    op.drop_table("prompt_rollups")
