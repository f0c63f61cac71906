"""prices: per-project model prices with the date they take effect

Revision ID: 0008_prices
Revises: 0006_experiment_rollups
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_prices"
down_revision = "0006_experiment_rollups"
branch_labels = None
depends_on = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "model_prices",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("provider", sa.String(64)),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("input", sa.Float, nullable=False),
        sa.Column("output", sa.Float, nullable=False),
        sa.Column("cache_read", sa.Float),
        sa.Column("cache_write", sa.Float),
        sa.Column("reasoning", sa.Float),
        sa.Column("effective_from", sa.DateTime(timezone=True)),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_model_prices_project_model", "model_prices", ["project_id", "model"])


def downgrade() -> None:
    op.drop_index("ix_model_prices_project_model", table_name="model_prices")
    op.drop_table("model_prices")
