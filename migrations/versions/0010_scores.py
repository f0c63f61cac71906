"""scores: named, typed scores on spans and traces, and their configs

Revision ID: 0010_scores
Revises: 0009_datasets
Create Date: 2026-12-03

``score_configs`` declares a project's score names (data type, numeric scale, categories);
``scores`` holds every judgement (human, API or evaluator), see ``otel_llm/storage/schema_scores.py``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_scores"
down_revision = "0009_datasets"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ON_SPAN = sa.text("span_id IS NOT NULL")
ON_RUN = sa.text("eval_run_id IS NOT NULL")


def _project_column() -> sa.Column:
    return sa.Column(
        "project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )


def _created_at(name: str = "created_at") -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def _json() -> sa.types.TypeEngine:
    from sqlalchemy.dialects.postgresql import JSONB

    return sa.JSON().with_variant(JSONB(), "postgresql")


def _create_tables() -> None:
    op.create_table(
        "score_configs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _project_column(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        sa.Column("min_value", sa.Float),
        sa.Column("max_value", sa.Float),
        sa.Column("categories", _json()),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.String(320), nullable=False, server_default=""),
        _created_at(),
        _created_at("updated_at"),
        sa.UniqueConstraint("project_id", "name", name="uq_score_configs_project_name"),
    )
    op.create_table(
        "scores",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        _project_column(),
        sa.Column("trace_id", sa.String(32)),
        sa.Column("span_id", sa.String(16)),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("string_value", sa.Text),
        sa.Column("comment", sa.Text),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_name", sa.String(200)),
        sa.Column("source_version", sa.String(50)),
        sa.Column("author", sa.String(320), nullable=False, server_default=""),
        sa.Column("eval_run_id", BIG_ID),
        sa.Column("details", _json()),
        _created_at(),
    )
    op.create_index(
        "ix_scores_project_span",
        "scores",
        ["project_id", "span_id", "name"],
        postgresql_where=ON_SPAN,
        sqlite_where=ON_SPAN,
    )
    op.create_index("ix_scores_project_trace", "scores", ["project_id", "trace_id", "name"])
    op.create_index("ix_scores_project_name", "scores", ["project_id", "name", "value"])
    op.create_index(
        "ix_scores_eval_run", "scores", ["eval_run_id", "name"], postgresql_where=ON_RUN, sqlite_where=ON_RUN
    )


def upgrade() -> None:
    _create_tables()


def downgrade() -> None:
    for index in (
        "ix_scores_eval_run",
        "ix_scores_project_name",
        "ix_scores_project_trace",
        "ix_scores_project_span",
    ):
        op.drop_index(index, table_name="scores")
    op.drop_table("scores")
    op.drop_table("score_configs")
