"""prompts tables (filled in by the prompts issue; empty until then)

Revision ID: 0003_prompts
Revises: 0002_console
Create Date: 2026-11-27
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0003_prompts"
down_revision = "0002_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
