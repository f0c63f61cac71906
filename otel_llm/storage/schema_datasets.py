"""Tables of the datasets area: project-level datasets, their versions and their items.

Items are never changed in place. Every edit of a dataset makes a new version (``datasets
.current_version`` counts them); an item row records the version it was added in and the version it
was removed in (``removed_in``, NULL while it is still there). Changing an item removes its row and
adds a new one (``replaces_id`` links them). So the items of version ``v`` are exactly the rows with
``added_in <= v`` and ``removed_in IS NULL OR removed_in > v``, for any version, forever; a run
records ``dataset_versions.id`` and can be resolved again later to the same items.
"""

from __future__ import annotations

from sqlalchemy import (
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

from otel_llm.storage.schema import JSONType, metadata

NAME_LENGTH = 210  # a user's name is at most 200 characters; `<experiment>-cases` needs a few more

datasets = Table(
    "datasets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(NAME_LENGTH), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("current_version", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("project_id", "name", name="uq_datasets_project_name"),
)

dataset_versions = Table(
    "dataset_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("change", Text, nullable=False, server_default=""),  # "added 3 items", "removed item 12"
    Column("actor", String(320), nullable=False, server_default=""),
    Column("item_count", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("dataset_id", "number", name="uq_dataset_versions_number"),
)

dataset_items = Table(
    "dataset_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    # {"messages": [{"role", "content"}, ...]} or {"variables": {"name": value, ...}}
    Column("input", JSONType, nullable=False),
    Column("expected_output", Text),
    Column("meta", JSONType, nullable=False),
    Column("source_trace_id", String(32)),
    Column("source_span_id", String(16)),
    Column("added_in", Integer, nullable=False),
    Column("removed_in", Integer),
    Column("replaces_id", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_dataset_items_dataset_version", "dataset_id", "added_in"),
)
