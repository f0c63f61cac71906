"""experiments: experiments, variants, test cases, runs and run items

Revision ID: 0004_experiments
Revises: 0003_prompts
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_experiments"
down_revision = "0003_prompts"
branch_labels = None
depends_on = None


def _experiment_fk() -> sa.Column:
    return sa.Column(
        "experiment_id",
        sa.Integer,
        sa.ForeignKey("experiments.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("hypothesis", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="draft"),
        sa.Column("primary_metric", sa.String(32), nullable=False),
        sa.Column("author", sa.String(200), nullable=False, server_default=""),
        sa.Column("winner", sa.String(200)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("project_id", "name", name="uq_experiments_project_name"),
    )
    op.create_table(
        "experiment_variants",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _experiment_fk(),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("is_control", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.UniqueConstraint("experiment_id", "name", name="uq_experiment_variants_name"),
    )
    op.create_table(
        "experiment_test_cases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _experiment_fk(),
        sa.Column("messages", sa.JSON, nullable=False),
        sa.Column("reference_output", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_experiment_test_cases_experiment", "experiment_test_cases", ["experiment_id"])
    op.create_table(
        "experiment_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _experiment_fk(),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("repeat", sa.Integer, nullable=False),
        sa.Column("max_cost_usd", sa.Float),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_experiment_runs_experiment", "experiment_runs", ["experiment_id"])
    op.create_table(
        "experiment_run_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("experiment_runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "test_case_id",
            sa.Integer,
            sa.ForeignKey("experiment_test_cases.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("variant", sa.String(200), nullable=False),
        sa.Column("repeat_index", sa.Integer, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("cost_usd", sa.Float),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.Column("trace_id", sa.String(32)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint(
            "run_id", "test_case_id", "variant", "repeat_index", name="uq_experiment_run_items_item"
        ),
    )

    op.create_index(
        "ix_spans_experiment_results",
        "spans",
        ["project_id", "experiment", "variant", "duration_ms"],
        postgresql_include=["status_code", "is_llm", "cost_usd", "input_tokens", "output_tokens", "span_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_spans_experiment_results", table_name="spans")
    op.drop_table("experiment_run_items")
    op.drop_index("ix_experiment_runs_experiment", table_name="experiment_runs")
    op.drop_table("experiment_runs")
    op.drop_index("ix_experiment_test_cases_experiment", table_name="experiment_test_cases")
    op.drop_table("experiment_test_cases")
    op.drop_table("experiment_variants")
    op.drop_table("experiments")
