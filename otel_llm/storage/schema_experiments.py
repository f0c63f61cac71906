"""Tables of the experiments area: experiments, their variants and test cases, and automated runs.

A run's items are keyed by (run, test case, variant, repeat), so an interrupted run resumes by
skipping the items it already recorded.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

from otel_llm.storage.schema import metadata, spans

EXPERIMENT_STATUSES = ("draft", "running", "stopped", "completed")

# Results aggregate an experiment's spans per variant: with this covering index Postgres answers
# from an index-only scan (EXPLAIN in bench/results.py) instead of reading the wide span rows;
# span_id lets the feedback join hash against the same index.
RESULTS_INCLUDE = ("status_code", "is_llm", "cost_usd", "input_tokens", "output_tokens", "span_id")
Index(
    "ix_spans_experiment_results",
    spans.c.project_id,
    spans.c.experiment,
    spans.c.variant,
    spans.c.duration_ms,
    postgresql_include=list(RESULTS_INCLUDE),
)

experiments = Table(
    "experiments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("hypothesis", Text, nullable=False, server_default=""),
    Column("status", String(16), nullable=False, server_default="draft"),
    Column("primary_metric", String(32), nullable=False),
    Column("author", String(200), nullable=False, server_default=""),
    Column("winner", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("started_at", DateTime(timezone=True)),
    Column("ended_at", DateTime(timezone=True)),
    UniqueConstraint("project_id", "name", name="uq_experiments_project_name"),
)

experiment_variants = Table(
    "experiment_variants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("experiment_id", Integer, ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("is_control", Boolean, nullable=False, server_default="0"),
    Column("weight", Float, nullable=False),
    Column("config", JSON, nullable=False),
    UniqueConstraint("experiment_id", "name", name="uq_experiment_variants_name"),
)

experiment_test_cases = Table(
    "experiment_test_cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("experiment_id", Integer, ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False),
    Column("messages", JSON, nullable=False),
    Column("reference_output", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_experiment_test_cases_experiment", "experiment_id"),
)

experiment_runs = Table(
    "experiment_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("experiment_id", Integer, ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("repeat", Integer, nullable=False),
    Column("max_cost_usd", Float),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    Index("ix_experiment_runs_experiment", "experiment_id"),
)

experiment_run_items = Table(
    "experiment_run_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("experiment_runs.id", ondelete="CASCADE"), nullable=False),
    Column(
        "test_case_id",
        Integer,
        ForeignKey("experiment_test_cases.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("variant", String(200), nullable=False),
    Column("repeat_index", Integer, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("error", Text),
    Column("cost_usd", Float),
    Column("duration_ms", Float, nullable=False),
    Column("trace_id", String(32)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint(
        "run_id", "test_case_id", "variant", "repeat_index", name="uq_experiment_run_items_item"
    ),
)
