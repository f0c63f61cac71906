"""The tables, as SQLAlchemy Core metadata. Alembic migrations in ``migrations/`` create them;
``tests/test_migrations.py`` checks that both agree.

The core tables (projects, API keys, spans) live in ``schema_core``; each area keeps its tables in
its own module on the same metadata. Importing them here registers them, so ``metadata`` always
describes the whole database — but for indexes' Postgres-only options (partial ``WHERE``,
``INCLUDE``), which ``schema_core.postgres_options`` applies before a comparison with a database
(tests, Alembic autogenerate): declaring them at import would load SQLAlchemy's Postgres dialect
in every command.
"""

from __future__ import annotations

from sqlalchemy import UniqueConstraint

from otel_llm.storage import (  # noqa: F401  (imported to register their tables on ``metadata``)
    schema_console,
    schema_datasets,
    schema_evaluations,
    schema_experiments,
    schema_overview,
    schema_prices,
    schema_prompt_rollups,
    schema_prompts,
    schema_replays,
    schema_scores,
    schema_webhooks,
)
from otel_llm.storage.schema_core import (
    SPAN_COLUMNS,
    BigIntId,
    JSONType,
    api_keys,
    metadata,
    projects,
    spans,
)
from otel_llm.storage.vocabulary import ROLES

__all__ = [
    "metadata",
    "projects",
    "api_keys",
    "spans",
    "SPAN_COLUMNS",
    "ROLES",
    "UniqueConstraint",
    "BigIntId",
    "JSONType",
]
