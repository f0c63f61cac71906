"""trace views: an index to find a trace's earliest span and list its spans in order; replay runs
remember the trace they replay

Revision ID: 0020_trace_indexes
Revises: 0016_chat_prompts
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_trace_indexes"
down_revision = "0016_chat_prompts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_spans_project_trace_start", "spans", ["project_id", "trace_id", "start_time"])
    op.add_column("replay_runs", sa.Column("trace_id", sa.String(32)))
    op.create_index("ix_replay_runs_project_trace", "replay_runs", ["project_id", "trace_id"])


def downgrade() -> None:
    op.drop_index("ix_replay_runs_project_trace", table_name="replay_runs")
    op.drop_column("replay_runs", "trace_id")
    op.drop_index("ix_spans_project_trace_start", table_name="spans")
