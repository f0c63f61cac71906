"""The overview's rollups: the project's LLM calls summed per hour, model, provider and status, and
their latencies counted in fixed log-spaced buckets (``otel_llm/traces/rollup.py`` reads them).

Triggers on ``spans`` keep both tables exact as spans are inserted, updated (repricing changes
``cost_usd``) and deleted, on Postgres (statement-level, over transition tables) and on SQLite (per
row); migration ``0018_overview_rollups`` holds their SQL. Only app traffic counts: LLM calls
(``is_llm``) that are neither replays nor made by an evaluation — what the overview shows.

Keys: ``hour`` and ``start`` are Unix seconds (UTC) of the bucket's start; ``model`` is the request
model, else the response model, else ``(unknown)``; ``provider`` is ``''`` when not known. After
deletes a row may hold zeros; readers skip rows with no calls.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    func,
    literal_column,
    text,
)

from otel_llm.storage.schema_core import index, metadata, spans

# Latency buckets: a duration d (ms) is counted in bucket floor(ln(max(d, 0.01)) · 10), which holds
# [e^(b/10), e^((b+1)/10)): each bucket ≈ 10.5 % wider than the one before.
BUCKETS_PER_E = 10
FLOOR_MS = 0.01
FIRST_BUCKET = -47  # floor(ln(0.01) · 10)
LAST_BUCKET = 230  # e^23 ms ≈ 300 years: the last bucket also holds anything longer
# Latency histograms are kept per hour and per day: ranges with daily points read the daily ones.
LATENCY_PERIODS = (3600, 86400)


def _key(time_column: str) -> list[Column]:
    return [
        Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        Column(time_column, BigInteger, nullable=False),
        Column("model", String(200), nullable=False),
        Column("provider", String(64), nullable=False),
        Column("status", String(8), nullable=False),
    ]


overview_rollups = Table(
    "overview_rollups",
    metadata,
    *_key("hour"),
    *[
        Column(name, BigInteger, nullable=False)
        for name in ("calls", "input_tokens", "output_tokens", "cost_n")
    ],
    Column("cost_usd", Float, nullable=False),  # sum of the known costs; cost_n of them
    PrimaryKeyConstraint("project_id", "hour", "model", "provider", "status", name="pk_overview_rollups"),
)

overview_latency = Table(
    "overview_latency",
    metadata,
    *_key("start"),
    Column("period", Integer, nullable=False),  # 3600 or 86400: the length of the time bucket
    Column("bucket", Integer, nullable=False),
    Column("count", BigInteger, nullable=False),
    PrimaryKeyConstraint(
        "project_id", "period", "start", "model", "provider", "status", "bucket", name="pk_overview_latency"
    ),
)

# The lower edge of each latency bucket, e^(bucket/10): SQLite's triggers look a duration's bucket up
# here (SQLite builds may lack ln()); Postgres computes it. Filled by the migration.
overview_latency_edges = Table(
    "overview_latency_edges",
    metadata,
    Column("bucket", Integer, primary_key=True, autoincrement=False),
    Column("lower_ms", Float, nullable=False),
    Index("ix_overview_latency_edges_lower", "lower_ms", unique=True),
)

# The spans list sorted by duration, and by cost with unknown costs last either way
# (``otel_llm.traces.query`` sorts on ``coalesce(cost_usd, -1.0)`` descending and on
# ``coalesce(cost_usd, 1e18)`` ascending): without them a sort reads every LLM span of the project
# (0.5–0.6 s at 1M spans). Ascending duration scans the duration index backwards.
_LLM = text("is_llm")
SORT_INDEXES = {  # name → sort key
    "ix_spans_llm_duration": spans.c.duration_ms,
    "ix_spans_llm_cost": func.coalesce(spans.c.cost_usd, literal_column("-1.0")),
    "ix_spans_llm_cost_asc": func.coalesce(spans.c.cost_usd, literal_column("1000000000000000000.0")),
}
for _name, _sort_key in SORT_INDEXES.items():
    index(_name, spans.c.project_id, _sort_key, spans.c.trace_id, spans.c.span_id, postgresql={"where": _LLM})
