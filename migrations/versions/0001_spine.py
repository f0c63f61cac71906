"""spine: projects, api_keys, spans

Revision ID: 0001_spine
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_spine"
down_revision = None
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_api_keys_project", "api_keys", ["project_id"])
    op.create_table(
        "spans",
        sa.Column(
            "project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("trace_id", sa.String(32), primary_key=True),
        sa.Column("span_id", sa.String(16), primary_key=True),
        sa.Column("parent_span_id", sa.String(16)),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.Column("status_code", sa.String(8), nullable=False),
        sa.Column("status_message", sa.Text),
        sa.Column("service_name", sa.String(200)),
        sa.Column("scope_name", sa.String(200)),
        sa.Column("is_llm", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("provider", sa.String(64)),
        sa.Column("operation", sa.String(64)),
        sa.Column("request_model", sa.String(200)),
        sa.Column("response_model", sa.String(200)),
        sa.Column("temperature", sa.Float),
        sa.Column("max_tokens", sa.Integer),
        sa.Column("input_tokens", sa.Integer),
        sa.Column("output_tokens", sa.Integer),
        sa.Column("cache_read_tokens", sa.Integer),
        sa.Column("cache_write_tokens", sa.Integer),
        sa.Column("cost_usd", sa.Float),
        sa.Column("finish_reason", sa.String(64)),
        sa.Column("error_type", sa.String(200)),
        sa.Column("prompt_name", sa.String(200)),
        sa.Column("prompt_version", sa.String(32)),
        sa.Column("prompt_hash", sa.String(64)),
        sa.Column("system_prompt_hash", sa.String(64)),
        sa.Column("experiment", sa.String(200)),
        sa.Column("variant", sa.String(200)),
        sa.Column("replay_of", sa.String(16)),
        sa.Column("attributes", JSONType, nullable=False),
        sa.Column("events", JSONType, nullable=False),
        sa.Column("resource", JSONType, nullable=False),
    )
    # Chosen from EXPLAIN ANALYZE (docs/storage.md); keep in step with otel_llm/storage/schema.py.
    op.create_index("ix_spans_project_start", "spans", ["project_id", "start_time"])
    op.create_index("ix_spans_project_span", "spans", ["project_id", "span_id"])
    _partial("ix_spans_project_request_model", "request_model", "start_time")
    _partial("ix_spans_project_response_model", "response_model", "start_time")
    _partial("ix_spans_project_prompt", "prompt_name", "prompt_version", "start_time")
    _partial("ix_spans_project_prompt_hash", "prompt_hash")
    _partial("ix_spans_project_system_prompt_hash", "system_prompt_hash", "start_time")


def _partial(name: str, column: str, *more: str) -> None:
    where = sa.text(f"{column} IS NOT NULL")
    op.create_index(name, "spans", ["project_id", column, *more], postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    op.drop_table("spans")
    op.drop_index("ix_api_keys_project", table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_table("projects")
