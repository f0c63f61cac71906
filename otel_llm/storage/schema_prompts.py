"""Tables of the prompt registry. Registered on the shared metadata.

- ``prompts``: one row per (project, name). Every change to a prompt's versions or labels first
  locks this row (``SELECT … FOR UPDATE`` on Postgres, ``BEGIN IMMEDIATE`` on SQLite), which is what
  makes version numbering and publishing race-free.
- ``prompt_versions``: immutable versions 1, 2, 3… ``version_hash`` is ``otel_llm.hashing.text_hash``
  of the template alone, so it equals a span's ``system_prompt_hash`` when the app sends the template
  unchanged; the model config is hashed separately into ``config_hash`` (canonical JSON).
- ``prompt_labels``: movable pointers (label → version); ``production`` is the published version.
- ``prompt_label_history``: append-only record of every label move.
- ``prompt_includes``: the versions of other prompts a version included (``{{> footer@production}}``
  or a Jinja include), resolved when it was created, with the text it used; the reverse lookup
  lists the prompts that reference a prompt.

A version is a text template (``kind`` text) or a chat template (``kind`` chat: ``chat`` holds the
messages, tools and response format; ``template`` the system message, which is what spans link on).
``template_format`` is ``simple`` (``{{var}}``) or ``jinja2``; ``content_hash`` covers all of it.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

from otel_llm.storage.schema_core import JSONType, metadata

prompts = Table(
    "prompts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("project_id", "name", name="uq_prompts_project_name"),
)

prompt_versions = Table(
    "prompt_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("prompt_id", Integer, ForeignKey("prompts.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("template", Text, nullable=False),
    Column("config", JSONType, nullable=False),
    Column("version_hash", String(64), nullable=False),
    Column("config_hash", String(64), nullable=False),
    Column("parent_version", Integer),
    Column("change_summary", Text, nullable=False, server_default=""),
    Column("tags", JSONType, nullable=False),
    Column("author", String(200), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("archived", Boolean, nullable=False, server_default="0"),
    Column("kind", String(8), nullable=False, server_default="text"),
    Column("template_format", String(16), nullable=False, server_default="simple"),
    Column("chat", JSONType),
    Column("content_hash", String(64)),
    UniqueConstraint("prompt_id", "version", name="uq_prompt_versions_prompt_version"),
    Index("ix_prompt_versions_hash", "version_hash"),
)

prompt_labels = Table(
    "prompt_labels",
    metadata,
    Column("prompt_id", Integer, ForeignKey("prompts.id", ondelete="CASCADE"), primary_key=True),
    Column("label", String(50), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

prompt_label_history = Table(
    "prompt_label_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("prompt_id", Integer, ForeignKey("prompts.id", ondelete="CASCADE"), nullable=False),
    Column("label", String(50), nullable=False),
    Column("action", String(16), nullable=False),  # publish | rollback | label | unlabel
    Column("from_version", Integer),
    Column("to_version", Integer),
    Column("actor", String(200), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_prompt_label_history_prompt", "prompt_id", "id"),
)

prompt_includes = Table(
    "prompt_includes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("prompt_versions.id", ondelete="CASCADE"), nullable=False),
    Column("ref", String(160), nullable=False),  # as written: footer@production, footer@v3
    Column("name", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("template", Text, nullable=False),
    Index("ix_prompt_includes_version", "version_id"),
    Index("ix_prompt_includes_name", "name"),
)

__all__ = [
    "prompts",
    "prompt_versions",
    "prompt_labels",
    "prompt_label_history",
    "prompt_includes",
]
