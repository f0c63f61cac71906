"""Tables of evaluation runs. Registered on the shared metadata.

An ``eval_runs`` row is one run: a dataset version, the variants (with the prompt versions they
resolved to), the evaluators (name, version, scale) and its status. ``eval_run_items`` holds one row
per (dataset item, variant, repeat) as each answer lands — with the answer's span, so an
interrupted run resumes without sending it again — and ``eval_run_results`` one row per item and
evaluator: the score it gave (a row of ``scores``, on the answer's span) or the evaluator's error,
never both. Results repeat the run, variant and item of their run item, so a run's statistics are
one indexed scan joined to the scores by primary key.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
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

from otel_llm.storage.schema_core import BigIntId, JSONType, index, metadata

RUN_STATUSES = ("running", "completed", "interrupted", "cost_cap")
RESUMABLE = ("running", "interrupted", "cost_cap")

eval_runs = Table(
    "eval_runs",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("dataset", String(200), nullable=False),
    Column("dataset_version", Integer, nullable=False),
    Column("dataset_version_id", Integer, ForeignKey("dataset_versions.id", ondelete="SET NULL")),
    Column("prompt_ref", String(200)),
    Column("variants", JSONType, nullable=False),
    Column("evaluators", JSONType, nullable=False),
    Column("repeat", Integer, nullable=False, server_default="1"),
    Column("max_cost_usd", Float),
    Column("status", String(16), nullable=False),
    Column("actor", String(320), nullable=False, server_default=""),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    Index("ix_eval_runs_project_started", "project_id", "started_at"),
)

eval_run_items = Table(
    "eval_run_items",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("run_id", BigIntId, ForeignKey("eval_runs.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", BigIntId, nullable=False),
    Column("variant", String(200), nullable=False),
    Column("repeat_index", Integer, nullable=False),
    Column("status", String(8), nullable=False),  # ok | error
    Column("error", Text),
    Column("output", Text),
    Column("trace_id", String(32)),
    Column("span_id", String(16)),
    Column("cost_usd", Float),
    Column("duration_ms", Float),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("run_id", "item_id", "variant", "repeat_index", name="uq_eval_run_items_key"),
)

eval_run_results = Table(
    "eval_run_results",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("run_item_id", BigIntId, ForeignKey("eval_run_items.id", ondelete="CASCADE"), nullable=False),
    Column("run_id", BigIntId, nullable=False),
    Column("variant", String(200), nullable=False),
    Column("item_id", BigIntId, nullable=False),
    Column("evaluator", String(200), nullable=False),
    Column("score_id", BigIntId, ForeignKey("scores.id", ondelete="SET NULL")),
    Column("error", Text),
    Column("cost_usd", Float),
    Column("span_id", String(16)),  # the judge call's span
    UniqueConstraint("run_item_id", "evaluator", name="uq_eval_run_results_key"),
    # Covering on Postgres: a run's aggregate reads the index alone, then each score by primary key.
    index(
        "ix_eval_run_results_run",
        "run_id",
        "evaluator",
        "variant",
        "item_id",
        postgresql={"include": ["score_id", "error", "cost_usd"]},
    ),
)

# Online evaluation: "evaluate S % of production spans of prompt P (or model M) with evaluator E",
# applied by ``otel-llm worker``; ``cursor_time`` is the start time of the newest span considered,
# ``eval_rule_days`` what the rule spent (judge calls) and judged per UTC day, against its cap.
eval_rules = Table(
    "eval_rules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("evaluator", String(200), nullable=False),
    Column("prompt_name", String(200)),
    Column("model", String(200)),
    Column("sample_percent", Float, nullable=False),
    Column("daily_cost_cap_usd", Float),
    Column("enabled", Boolean, nullable=False, server_default="1"),
    Column("cursor_time", DateTime(timezone=True), nullable=False),
    Column("actor", String(320), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("project_id", "name", name="uq_eval_rules_project_name"),
)

eval_rule_days = Table(
    "eval_rule_days",
    metadata,
    Column("rule_id", Integer, ForeignKey("eval_rules.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("cost_usd", Float, nullable=False, server_default="0"),
    Column("judged", Integer, nullable=False, server_default="0"),
)
