"""The tables every area refers to (projects, API keys, spans) and the one ``metadata`` all tables
are declared on. The area modules (``schema_*``) import from here; ``schema`` gathers them all."""

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
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    func,
    text,
)

metadata = MetaData()


class _JSON(TypeDecorator):
    """JSON, stored as JSONB on Postgres. Chosen per dialect when a connection compiles it, so that
    importing the schema does not load SQLAlchemy's Postgres dialect (~20 ms of every CLI start)."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


JSONType = _JSON()
BigIntId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("retention_days", Integer),  # spans older than this are deleted; NULL keeps them forever
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False, server_default=""),
    Column("role", String(16), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Index("ix_api_keys_project", "project_id"),
)


def index(name: str, *columns, postgresql: dict | None = None, **options) -> Index:
    """An ``Index`` whose Postgres-only options (``where``, ``include``) wait in ``info`` until
    ``postgres_options`` applies them. Passing them to ``Index`` would load SQLAlchemy's Postgres
    dialect at import (~20 ms of every command's start) although only comparing the schema with a
    database reads them: the migrations create the real indexes."""
    made = Index(name, *columns, **options)
    if postgresql:
        made.info["postgresql"] = postgresql
    return made


def postgres_options(target: MetaData = metadata) -> MetaData:
    """Apply every index's Postgres-only options (before comparing ``target`` with a database)."""
    for table in target.tables.values():
        for found in table.indexes:
            for key, value in found.info.pop("postgresql", {}).items():
                found.dialect_kwargs[f"postgresql_{key}"] = value
    return target


def _partial(name: str, column: str, *more: str) -> Index:
    """Index on (project_id, column, *more) over the rows where ``column`` is set."""
    where = text(f"{column} IS NOT NULL")
    return index(name, "project_id", column, *more, postgresql={"where": where}, sqlite_where=where)


spans = Table(
    "spans",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("trace_id", String(32), primary_key=True),
    Column("span_id", String(16), primary_key=True),
    Column("parent_span_id", String(16)),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("start_time", DateTime(timezone=True), nullable=False),
    Column("end_time", DateTime(timezone=True), nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("status_code", String(8), nullable=False),
    Column("status_message", Text),
    Column("service_name", String(200)),
    Column("scope_name", String(200)),
    Column("is_llm", Boolean, nullable=False, server_default="0"),
    # What the span is: llm, embedding, agent, tool, retrieval, rerank, chain, other (normalize.py).
    Column("category", String(16), server_default="other"),
    Column("provider", String(64)),
    Column("operation", String(64)),
    Column("request_model", String(200)),
    Column("response_model", String(200)),
    Column("temperature", Float),
    Column("max_tokens", Integer),
    Column("input_tokens", Integer),
    Column("output_tokens", Integer),
    Column("cache_read_tokens", Integer),
    Column("cache_write_tokens", Integer),
    Column("cost_usd", Float),
    Column("finish_reason", String(64)),
    Column("error_type", String(200)),
    Column("prompt_name", String(200)),
    Column("prompt_version", String(32)),
    Column("prompt_hash", String(64)),
    Column("system_prompt_hash", String(64)),
    Column("experiment", String(200)),
    Column("variant", String(200)),
    Column("replay_of", String(16)),
    Column("evaluation", String(16)),  # run | judge: made to evaluate, never app traffic
    Column("session_id", String(200)),  # gen_ai.conversation.id or session.id
    Column("user_id", String(200)),  # user.id or enduser.id
    Column("attributes", JSONType, nullable=False),
    Column("events", JSONType, nullable=False),
    Column("resource", JSONType, nullable=False),
    # Indexes chosen from EXPLAIN ANALYZE on 200k seeded spans (bench/explain_indexes.py, docs/storage.md).
    # Every query filters by project first. Tag and model indexes are partial (NOT NULL): spans
    # without the tag cost no index write, and the indexes stay small. Experiment lookups use
    # ix_spans_experiment_results (schema_experiments.py), whose leading columns would repeat one here.
    Index("ix_spans_project_start", "project_id", "start_time"),
    Index("ix_spans_project_span", "project_id", "span_id"),
    Index("ix_spans_project_trace_start", "project_id", "trace_id", "start_time"),  # trace views
    _partial("ix_spans_project_request_model", "request_model", "start_time"),
    _partial("ix_spans_project_response_model", "response_model", "start_time"),
    _partial("ix_spans_project_prompt", "prompt_name", "prompt_version", "start_time"),
    _partial("ix_spans_project_prompt_hash", "prompt_hash"),
    _partial("ix_spans_project_system_prompt_hash", "system_prompt_hash", "start_time"),
    _partial("ix_spans_project_session", "session_id", "start_time"),
    _partial("ix_spans_project_user", "user_id", "start_time"),
)

# Columns of ``spans`` in table order: the exporter and collector build rows with exactly these keys.
SPAN_COLUMNS: tuple[str, ...] = tuple(c.name for c in spans.columns)
