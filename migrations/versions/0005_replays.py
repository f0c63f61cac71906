"""replays tables (filled in by the replays issue; empty until then)

Revision ID: 0005_replays
Revises: 0004_experiments
Create Date: 2026-11-27
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005_replays"
down_revision = "0004_experiments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
