"""Tables of the experiments area: experiments, their variants, automated runs, and the per-variant
rollups results read on Postgres. An experiment's test cases are the items of a dataset
(``schema_datasets``); a run records the dataset version it ran.

A run's items are keyed by (run, test case = dataset item, variant, repeat), so an interrupted run
resumes by skipping the items it already recorded.

``experiment_rollups``, ``experiment_latency_buckets`` and ``experiment_feedback_rollups`` are kept
up to date by Postgres triggers on ``spans`` and ``feedback`` (migration ``0006_experiment_rollups``
holds their SQL); they exist on SQLite too but stay empty there, where results are computed exactly
from the spans.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)

from otel_llm.storage.schema_core import index, metadata, spans

EXPERIMENT_STATUSES = ("draft", "running", "stopped", "completed")

# An experiment's spans per variant: SQLite's exact results aggregate and the traces filter by
# experiment read this index; on Postgres the covering columns let exact ad-hoc aggregates over an
# experiment (the baseline of bench/results.py) run as an index-only scan. Partial: spans outside
# experiments cost no index write.
RESULTS_INCLUDE = ("status_code", "is_llm", "cost_usd", "input_tokens", "output_tokens", "span_id")
_TAGGED = text("experiment IS NOT NULL")
index(
    "ix_spans_experiment_results",
    spans.c.project_id,
    spans.c.experiment,
    spans.c.variant,
    spans.c.duration_ms,
    postgresql={"include": list(RESULTS_INCLUDE), "where": _TAGGED},
    sqlite_where=_TAGGED,
)


def _rollup_key() -> list[Column]:
    return [
        Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        Column("experiment", String(200), nullable=False),
        Column("variant", String(200), nullable=False),
    ]


# Per (project, experiment, variant): calls and successes; for successful calls with a duration
# the count, sum, sum of squares, min and max of duration_ms; token sums; for calls with a cost
# the count, sum and sum of squares of cost_usd. Means and variances come from these exactly.
experiment_rollups = Table(
    "experiment_rollups",
    metadata,
    *_rollup_key(),
    *[
        Column(name, BigInteger, nullable=False)
        for name in ("calls", "successes", "latency_n", "input_tokens", "output_tokens", "cost_n")
    ],
    *[Column(name, Float, nullable=False) for name in ("latency_sum", "latency_sq", "cost_sum", "cost_sq")],
    Column("latency_min", Float),
    Column("latency_max", Float),
    PrimaryKeyConstraint("project_id", "experiment", "variant", name="pk_experiment_rollups"),
)

# Log-scale histogram of successful calls' durations (otel_llm/experiments/histogram.py).
experiment_latency_buckets = Table(
    "experiment_latency_buckets",
    metadata,
    *_rollup_key(),
    Column("bucket", Integer, nullable=False),
    Column("count", BigInteger, nullable=False),
    PrimaryKeyConstraint(
        "project_id", "experiment", "variant", "bucket", name="pk_experiment_latency_buckets"
    ),
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
    # The test cases: a dataset (datasets.id), at a pinned version (dataset_version) or at its latest
    # (NULL). No foreign key, here and on experiment_runs.dataset_version_id: SQLite adds and drops a
    # plain column in place, where a constrained one means rebuilding the table, and dropping the old
    # table would cascade-delete its variants and runs.
    Column("dataset_id", Integer),
    Column("dataset_version", Integer),
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

experiment_runs = Table(
    "experiment_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("experiment_id", Integer, ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("repeat", Integer, nullable=False),
    Column("max_cost_usd", Float),
    Column("dataset_version_id", Integer),  # dataset_versions.id of the items this run ran
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    Column("error", Text),  # why a ``failed`` run failed: one sentence, secrets masked
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
        ForeignKey("dataset_items.id", ondelete="CASCADE", name="fk_experiment_run_items_item"),
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

# Feedback scores per variant: count, sum and sum of squares (a score on a trace counts for each of
# the trace's LLM spans in the experiment, as in the exact join).
experiment_feedback_rollups = Table(
    "experiment_feedback_rollups",
    metadata,
    *_rollup_key(),
    Column("n", BigInteger, nullable=False),
    Column("total", Float, nullable=False),
    Column("sum_squares", Float, nullable=False),
    PrimaryKeyConstraint("project_id", "experiment", "variant", name="pk_experiment_feedback_rollups"),
)
