"""Bulk writes of span rows, shared by the in-app exporter and the collector.

A batch is written in one transaction; a span already stored (same project, trace id, span id) is
left as it is, so retries and duplicate exports store each span once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from otel_llm.pricing import PricingTable
from otel_llm.storage.normalize import SpanRecord, should_store, to_row
from otel_llm.storage.schema import projects, spans

_project_ids: dict[tuple[str, str], int] = {}
_project_lock = threading.Lock()


def ensure_project(connection: Connection, name: str) -> int:
    """Id of project ``name``, created if missing (safe under concurrent creators)."""
    key = (str(connection.engine.url), name)
    cached = _project_ids.get(key)
    if cached is not None:
        return cached
    with _project_lock:
        found = connection.execute(select(projects.c.id).where(projects.c.name == name)).scalar()
        if found is None:
            stmt = _insert_ignore(connection, projects).values(name=name)
            connection.execute(stmt)
            found = connection.execute(select(projects.c.id).where(projects.c.name == name)).scalar_one()
        _project_ids[key] = found
        return found


def forget_project_cache() -> None:
    _project_ids.clear()


def _insert_ignore(connection: Connection, table):
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return pg_insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing()
    return insert(table)


def insert_rows(connection: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert span rows in the caller's transaction, skipping ones already stored; returns how many
    were new. Postgres: binary COPY through a staging table (``pg_copy``); SQLite: executemany."""
    if not rows:
        return 0
    if connection.dialect.name == "postgresql":
        from otel_llm.storage import pg_copy

        return pg_copy.copy_rows(connection, rows)
    result = connection.execute(_insert_ignore(connection, spans), list(rows))
    return max(result.rowcount, 0)


def write_records(
    engine: Engine, project: str, records: Iterable[SpanRecord], pricing: PricingTable | None = None
) -> int:
    """Normalise and store records in one transaction; returns how many rows were offered."""
    with engine.begin() as connection:
        project_id = ensure_project(connection, project)
        rows = [to_row(r, project_id, pricing) for r in records if should_store(r)]
        insert_rows(connection, rows)
        return len(rows)
