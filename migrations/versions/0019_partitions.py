"""partitions: per-project retention; on Postgres ``spans`` range-partitioned by day on start_time

Revision ID: 0019_partitions
Revises: 0015_span_kinds
Create Date: 2026-12-04

``projects.retention_days`` (NULL: keep spans forever) on both databases. On Postgres the plain
``spans`` table becomes a partitioned one (``otel_llm/storage/partitions.py``): its columns, indexes,
triggers and foreign keys are carried over from the catalog, so whatever earlier migrations added
to ``spans`` survives; rows are copied in batches with progress logged. The primary key gains
``start_time`` (the partition key). Downgrade converts back. SQLite's ``spans`` stays as it is.
"""

import sqlalchemy as sa
from alembic import op

from otel_llm.storage import partitions

revision = "0019_partitions"
down_revision = "0015_span_kinds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("projects", sa.Column("retention_days", sa.Integer))
    connection = op.get_bind()
    if connection.dialect.name == "postgresql" and not partitions.is_partitioned(connection):
        partitions.partition_spans(connection)


def downgrade() -> None:
    connection = op.get_bind()
    if partitions.is_partitioned(connection):
        partitions.unpartition_spans(connection)
    op.execute("ALTER TABLE projects DROP COLUMN retention_days")  # SQLite 3.35+ and Postgres alike
