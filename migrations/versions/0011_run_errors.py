"""run errors: why an experiment run failed, kept on the run

Revision ID: 0011_run_errors
Revises: 0010_scores
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_run_errors"
down_revision = "0010_scores"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("experiment_runs", sa.Column("error", sa.Text))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite >= 3.35 has it): a batch rebuild of experiment_runs would drop the
    # table, and with SQLite's foreign keys on, its run items with it (ON DELETE CASCADE).
    op.execute("ALTER TABLE experiment_runs DROP COLUMN error")
