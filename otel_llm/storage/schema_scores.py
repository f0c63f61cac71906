"""Tables of scores: named, typed judgements on spans and traces. Registered on the shared metadata.

- ``score_configs``: one per (project, name): the data type (``numeric``, ``boolean``,
  ``categorical``), a numeric scale (``min_value``/``max_value``, either may be open), the categories
  of a categorical score, and a description. A score is only stored under a declared name.
- ``scores``: one row per judgement. ``span_id`` names a span; a trace-level score has no span id
  and names the trace. A span score's ``trace_id`` is filled in when the span is already stored
  (spans are exported in batches, a score may arrive first). ``value`` holds numeric scores and
  booleans as 1/0; ``string_value`` holds a categorical score's category and "true"/"false".
  ``source`` is the kind of judge gave it (``human``, ``api``, ``evaluator``); ``source_name`` and
  ``source_version`` name the evaluator (``exact``, ``1``) or the channel a human used (``console``,
  ``cli``, ``sdk``); ``author`` is the user's email, ``key:<prefix>`` or the evaluator.
  ``eval_run_id`` (no foreign key here: the evaluation area owns its runs) ties evaluator scores
  to the run that made them; ``details`` keeps what else a judge returned (a rationale, raw output).

Indexes: per span (the span page, the traces list's score columns and filters: ``EXISTS`` on
``(project_id, span_id, name)``), per trace for trace-level scores, per name for aggregation (the
value is in the index so means and rates read no table rows), and per evaluation run and name
(value included too).
"""

from __future__ import annotations

from sqlalchemy import (
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
    text,
)

from otel_llm.storage.schema_core import BigIntId, JSONType, index, metadata
from otel_llm.storage.vocabulary import DATA_TYPES, SCORE_SOURCES

USER_FEEDBACK = "user_feedback"  # the score feedback is stored as (otel_llm.feedback)

score_configs = Table(
    "score_configs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("data_type", String(16), nullable=False),
    Column("min_value", Float),
    Column("max_value", Float),
    Column("categories", JSONType),
    Column("description", Text, nullable=False, server_default=""),
    Column("created_by", String(320), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("project_id", "name", name="uq_score_configs_project_name"),
)

_ON_SPAN = text("span_id IS NOT NULL")
_ON_RUN = text("eval_run_id IS NOT NULL")

scores = Table(
    "scores",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("trace_id", String(32)),
    Column("span_id", String(16)),
    Column("name", String(100), nullable=False),
    Column("data_type", String(16), nullable=False),
    Column("value", Float),
    Column("string_value", Text),
    Column("comment", Text),
    Column("source", String(16), nullable=False),
    Column("source_name", String(200)),
    Column("source_version", String(50)),
    Column("author", String(320), nullable=False, server_default=""),
    Column("eval_run_id", BigIntId),
    Column("details", JSONType),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    index(
        "ix_scores_project_span",
        "project_id",
        "span_id",
        "name",
        postgresql={"where": _ON_SPAN},
        sqlite_where=_ON_SPAN,
    ),
    Index("ix_scores_project_trace", "project_id", "trace_id", "name"),
    Index("ix_scores_project_name", "project_id", "name", "value"),
    index(
        "ix_scores_eval_run",
        "eval_run_id",
        "name",
        "value",
        postgresql={"where": _ON_RUN},
        sqlite_where=_ON_RUN,
    ),
)

__all__ = ["score_configs", "scores", "DATA_TYPES", "SCORE_SOURCES", "USER_FEEDBACK"]
