"""experiments tables (filled in by the experiments issue; empty until then)

Revision ID: 0004_experiments
Revises: 0003_prompts
Create Date: 2026-11-27
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_experiments"
down_revision = "0003_prompts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
