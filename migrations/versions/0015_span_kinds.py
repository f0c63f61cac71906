"""span kinds: stored spans re-classified (llm, embedding, agent, tool, retrieval, rerank, chain,
other) and the experiment rollups rebuilt from the corrected rows

Revision ID: 0015_span_kinds
Revises: 0020_trace_indexes
Create Date: 2026-12-04

``category`` is computed in SQL from the stored attributes with the rules of
``otel_llm.storage.kinds`` (``kinds.sql_case``, the same tables as ``kinds.classify``); ``is_llm``
becomes ``category = 'llm'``, so agent, tool, chain and embeddings spans stop counting as LLM calls.
Spans that are neither model calls nor embeddings lose their cost (an agent's token totals are its
calls' tokens, already costed there). Only rows that change are written. On Postgres the experiment
rollups (``0006_experiment_rollups``) are then rebuilt from the spans and the ``user_feedback``
scores, under the rollups' per-project locks.

Downgrade restores 0014's rule (``is_llm``: an operation or a provider, other than the agent and
tool operations; ``category`` ``llm`` or ``other``) and rebuilds the rollups; costs removed on
upgrade are not restored (``otel-llm prices reprice`` recomputes them).
"""

import importlib.util
from pathlib import Path

from alembic import op

from otel_llm.storage import kinds

revision = "0015_span_kinds"
down_revision = "0020_trace_indexes"
branch_labels = None
depends_on = None

OLD_NON_MODEL = "('invoke_agent', 'create_agent', 'execute_tool')"
OLD_IS_LLM = (
    "((COALESCE(operation, '') <> '' OR COALESCE(provider, '') <> '') "
    f"AND COALESCE(operation, '') NOT IN {OLD_NON_MODEL})"
)
FEEDBACK_SCORES = (
    "(SELECT project_id, trace_id, span_id, value AS score FROM scores WHERE name = 'user_feedback')"
)


def _attribute(name: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"(attributes ->> '{name}')"
    return f"json_extract(attributes, '$.\"{name}\"')"


def _rollups():
    """Migration 0006, whose rollup SQL rebuilds the rollups."""
    path = Path(__file__).with_name("0006_experiment_rollups.py")
    spec = importlib.util.spec_from_file_location("otel_llm_migration_0006", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rebuild_rollups() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite computes experiment results from the spans
    r = _rollups()
    op.execute(f"SELECT {r.LOCK.replace('project_id', 'id')} FROM (SELECT id FROM projects ORDER BY id) p")
    for table in ("experiment_rollups", "experiment_latency_buckets", "experiment_feedback_rollups"):
        op.execute(f"DELETE FROM {table}")
    op.execute(r._sql(r.ROLLUP_SQL))
    op.execute(r._sql(r.BUCKETS_SQL))
    op.execute(r._sql(r.FEEDBACK_SQL, feedback=FEEDBACK_SCORES))


def upgrade() -> None:
    category = kinds.sql_case(_attribute)
    op.execute(f"UPDATE spans SET category = {category} WHERE category <> {category}")
    op.execute("UPDATE spans SET is_llm = (category = 'llm') WHERE is_llm <> (category = 'llm')")
    costed = ", ".join(f"'{kind}'" for kind in sorted(kinds.COSTED))
    op.execute(f"UPDATE spans SET cost_usd = NULL WHERE cost_usd IS NOT NULL AND category NOT IN ({costed})")
    _rebuild_rollups()


def downgrade() -> None:
    op.execute(f"UPDATE spans SET is_llm = {OLD_IS_LLM} WHERE is_llm <> {OLD_IS_LLM}")
    op.execute("UPDATE spans SET category = CASE WHEN is_llm THEN 'llm' ELSE 'other' END")
    _rebuild_rollups()
