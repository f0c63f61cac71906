"""Tables of webhooks and protected labels. Registered on the shared metadata.

- ``webhooks``: a project's receiver URLs, the events each wants, and the secret that signs its
  deliveries (kept as is so it can sign; never returned after creation, see ``docs/webhooks.md``).
- ``webhook_deliveries``: the outbox. An event is written here in the transaction of the change that
  caused it; a background sender posts it, retrying with backoff, and records the outcome.
- ``label_policies``: per project, which labels are protected and the least role that moves them (no
  row: ``production``, admins only).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, func

from otel_llm.storage.schema_core import BigIntId, JSONType, metadata

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("events", JSONType, nullable=False),
    Column("secret", String(100), nullable=False),
    Column("created_by", String(320), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_webhooks_project", "project_id"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("webhook_id", Integer, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("delivered_at", DateTime(timezone=True)),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_project", "project_id", "id"),
)

label_policies = Table(
    "label_policies",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("protected_labels", JSONType, nullable=False),
    Column("mover_role", String(16), nullable=False),
    Column("updated_by", String(320), nullable=False, server_default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
