"""replays: single replays and batch replay runs

Revision ID: 0005_replays
Revises: 0004_experiments
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005_replays"
down_revision = "0004_experiments"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")
BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _project_id() -> sa.Column:
    return sa.Column(
        "project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "replay_runs",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        _project_id(),
        sa.Column("selection", JSONType, nullable=False),
        sa.Column("overrides", JSONType, nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("changed_share", sa.Float),
        sa.Column("mean_similarity", sa.Float),
        sa.Column("input_tokens_delta", sa.Integer),
        sa.Column("output_tokens_delta", sa.Integer),
        sa.Column("cost_delta_usd", sa.Float),
        sa.Column("latency_delta_ms", sa.Float),
        sa.Column("summary", JSONType, nullable=False),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_replay_runs_project_created", "replay_runs", ["project_id", "created_at"])
    op.create_table(
        "replays",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        _project_id(),
        sa.Column("run_id", BigIntId, sa.ForeignKey("replay_runs.id", ondelete="CASCADE")),
        sa.Column("original_trace_id", sa.String(32), nullable=False),
        sa.Column("original_span_id", sa.String(16), nullable=False),
        sa.Column("replay_trace_id", sa.String(32)),
        sa.Column("replay_span_id", sa.String(16)),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("overrides", JSONType, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("summary", JSONType, nullable=False),
    )
    op.create_index("ix_replays_project_created", "replays", ["project_id", "created_at"])
    op.create_index("ix_replays_project_original", "replays", ["project_id", "original_span_id"])
    op.create_index("ix_replays_run", "replays", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_replays_run", table_name="replays")
    op.drop_index("ix_replays_project_original", table_name="replays")
    op.drop_index("ix_replays_project_created", table_name="replays")
    op.drop_table("replays")
    op.drop_index("ix_replay_runs_project_created", table_name="replay_runs")
    op.drop_table("replay_runs")
