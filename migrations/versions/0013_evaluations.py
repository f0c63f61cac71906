"""evaluations: evaluation runs, their items and evaluator results; spans made to evaluate are marked

Revision ID: 0013_evaluations
Revises: 0011_run_errors
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013_evaluations"
down_revision = "0011_run_errors"
branch_labels = None
depends_on = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("spans", sa.Column("evaluation", sa.String(16)))
    op.create_table(
        "eval_runs",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("dataset_version", sa.Integer, nullable=False),
        sa.Column(
            "dataset_version_id", sa.Integer, sa.ForeignKey("dataset_versions.id", ondelete="SET NULL")
        ),
        sa.Column("prompt_ref", sa.String(200)),
        sa.Column("variants", JSONType, nullable=False),
        sa.Column("evaluators", JSONType, nullable=False),
        sa.Column("repeat", sa.Integer, nullable=False, server_default="1"),
        sa.Column("max_cost_usd", sa.Float),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False, server_default=""),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_eval_runs_project_started", "eval_runs", ["project_id", "started_at"])
    op.create_table(
        "eval_run_items",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("run_id", BigIntId, sa.ForeignKey("eval_runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("item_id", BigIntId, nullable=False),
        sa.Column("variant", sa.String(200), nullable=False),
        sa.Column("repeat_index", sa.Integer, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("output", sa.Text),
        sa.Column("trace_id", sa.String(32)),
        sa.Column("span_id", sa.String(16)),
        sa.Column("cost_usd", sa.Float),
        sa.Column("duration_ms", sa.Float),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("run_id", "item_id", "variant", "repeat_index", name="uq_eval_run_items_key"),
    )
    op.create_table(
        "eval_run_results",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column(
            "run_item_id", BigIntId, sa.ForeignKey("eval_run_items.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("run_id", BigIntId, nullable=False),
        sa.Column("variant", sa.String(200), nullable=False),
        sa.Column("item_id", BigIntId, nullable=False),
        sa.Column("evaluator", sa.String(200), nullable=False),
        sa.Column("score_id", BigIntId, sa.ForeignKey("scores.id", ondelete="SET NULL")),
        sa.Column("error", sa.Text),
        sa.Column("cost_usd", sa.Float),
        sa.Column("span_id", sa.String(16)),
        sa.UniqueConstraint("run_item_id", "evaluator", name="uq_eval_run_results_key"),
    )
    op.create_index(
        "ix_eval_run_results_run",
        "eval_run_results",
        ["run_id", "evaluator", "variant", "item_id"],
        postgresql_include=["score_id", "error", "cost_usd"],
    )

    op.create_table(
        "eval_rules",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("evaluator", sa.String(200), nullable=False),
        sa.Column("prompt_name", sa.String(200)),
        sa.Column("model", sa.String(200)),
        sa.Column("sample_percent", sa.Float, nullable=False),
        sa.Column("daily_cost_cap_usd", sa.Float),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("cursor_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("project_id", "name", name="uq_eval_rules_project_name"),
    )
    op.create_table(
        "eval_rule_days",
        sa.Column(
            "rule_id", sa.Integer, sa.ForeignKey("eval_rules.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("cost_usd", sa.Float, nullable=False, server_default="0"),
        sa.Column("judged", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("eval_rule_days")
    op.drop_table("eval_rules")
    op.drop_index("ix_eval_run_results_run", table_name="eval_run_results")
    op.drop_table("eval_run_results")
    op.drop_table("eval_run_items")
    op.drop_index("ix_eval_runs_project_started", table_name="eval_runs")
    op.drop_table("eval_runs")
    op.execute("ALTER TABLE spans DROP COLUMN evaluation")  # SQLite 3.35+ and Postgres alike
