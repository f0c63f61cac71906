"""Tables of the replays area: single replays and batch replay runs. Registered on the shared metadata.

A ``replays`` row is written once, complete, after the provider answered (or failed): it names the
original span, the replay's own stored span, who asked, the overrides, the outcome and a summary of
the diff. A ``replay_runs`` row is a batch (regression) run; its replays point back to it.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text, func

from otel_llm.storage.schema_core import BigIntId, JSONType, metadata

REPLAY_STATUSES = ("ok", "error")
RUN_STATUSES = ("running", "ok", "error")

replay_runs = Table(
    "replay_runs",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("selection", JSONType, nullable=False),
    Column("overrides", JSONType, nullable=False),
    Column("actor", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(8), nullable=False),
    Column("count", Integer, nullable=False, server_default="0"),
    Column("error_count", Integer, nullable=False, server_default="0"),
    Column("changed_share", Float),
    Column("mean_similarity", Float),
    Column("input_tokens_delta", Integer),
    Column("output_tokens_delta", Integer),
    Column("cost_delta_usd", Float),
    Column("latency_delta_ms", Float),
    Column("summary", JSONType, nullable=False),
    Column("error", Text),
    Column("trace_id", String(32)),  # the trace whose LLM calls the run replays, if it replays one
    Index("ix_replay_runs_project_created", "project_id", "created_at"),
    Index("ix_replay_runs_project_trace", "project_id", "trace_id"),
)

replays = Table(
    "replays",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("run_id", BigIntId, ForeignKey("replay_runs.id", ondelete="CASCADE")),
    Column("original_trace_id", String(32), nullable=False),
    Column("original_span_id", String(16), nullable=False),
    Column("replay_trace_id", String(32)),
    Column("replay_span_id", String(16)),
    Column("actor", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("overrides", JSONType, nullable=False),
    Column("status", String(8), nullable=False),
    Column("error", Text),
    Column("summary", JSONType, nullable=False),
    Index("ix_replays_project_created", "project_id", "created_at"),
    Index("ix_replays_project_original", "project_id", "original_span_id"),
    Index("ix_replays_run", "run_id"),
)

__all__ = ["replays", "replay_runs", "REPLAY_STATUSES", "RUN_STATUSES"]
