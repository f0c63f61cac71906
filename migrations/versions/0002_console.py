"""console tables (filled in by the console issue; empty until then)

Revision ID: 0002_console
Revises: 0001_spine
Create Date: 2026-11-27
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0002_console"
down_revision = "0001_spine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
