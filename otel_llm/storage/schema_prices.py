"""Per-project model prices (``otel-llm prices set``): they override the shipped price book from
``effective_from`` on. Registered on the shared metadata."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, ForeignKey, Index, Integer, String, Table, func

from otel_llm.storage.schema_core import BigIntId, metadata

model_prices = Table(
    "model_prices",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("provider", String(64)),
    Column("model", String(200), nullable=False),
    Column("input", Float, nullable=False),
    Column("output", Float, nullable=False),
    Column("cache_read", Float),
    Column("cache_write", Float),
    Column("reasoning", Float),
    Column("effective_from", DateTime(timezone=True)),
    Column("actor", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_model_prices_project_model", "project_id", "model"),
)
