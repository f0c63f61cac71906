"""Bulk writes of span rows, shared by the in-app exporter and the collector.

A batch is written in one transaction; a span already stored (same project, trace id, span id) is
left as it is, so retries and duplicate exports store each span once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from otel_llm.pricing import PricingTable
from otel_llm.storage.errors import is_data_error
from otel_llm.storage.normalize import SpanRecord, should_store, to_row
from otel_llm.storage.schema import projects, spans

logger = logging.getLogger(__name__)

_project_ids: dict[tuple[str, str], int] = {}
_project_lock = threading.Lock()


def ensure_project(connection: Connection, name: str) -> int:
    """Id of project ``name``, created if missing (safe under concurrent creators).

    Only ids read back from committed rows are cached: a project inserted in this transaction is
    not, since a rollback would leave the cache pointing at nothing.
    """
    key = (str(connection.engine.url), name)
    cached = _project_ids.get(key)
    if cached is not None:
        return cached
    with _project_lock:
        found = connection.execute(select(projects.c.id).where(projects.c.name == name)).scalar()
        if found is not None:
            _project_ids[key] = found
            return found
        connection.execute(_insert_ignore(connection, projects).values(name=name))
        return connection.execute(select(projects.c.id).where(projects.c.name == name)).scalar_one()


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
    engine: Engine,
    project: str,
    records: Iterable[SpanRecord],
    pricing: PricingTable | None = None,
    on_rejected: Callable[[list[SpanRecord], BaseException], None] | None = None,
) -> int:
    """Normalise and store records in one transaction; returns how many rows were new.

    Without ``on_rejected`` any failure raises and nothing is stored. With it, a batch that fails
    because of its data (``errors.is_data_error``) is split in halves until the bad spans are alone;
    the good ones are stored and each bad one is handed to ``on_rejected`` with its error. Failures
    of the database itself (unreachable, not migrated) always raise, so the caller can retry later.
    """
    kept = [r for r in records if should_store(r)]
    try:
        return _write(engine, project, kept, pricing)
    except Exception as exc:
        if on_rejected is None or not is_data_error(exc):
            raise
        logger.warning("otel-llm: a batch of %d spans has bad data (%s); isolating it", len(kept), exc)
        return _split(engine, project, kept, pricing, on_rejected, exc)


def _write(engine: Engine, project: str, records: list[SpanRecord], pricing: PricingTable | None) -> int:
    with engine.begin() as connection:
        project_id = ensure_project(connection, project)
        return insert_rows(connection, [to_row(r, project_id, pricing) for r in records])


def _write_isolating(engine, project, records, pricing, on_rejected) -> int:
    try:
        return _write(engine, project, records, pricing)
    except Exception as exc:
        if not is_data_error(exc):
            raise
        return _split(engine, project, records, pricing, on_rejected, exc)


def _split(engine, project, records, pricing, on_rejected, exc: BaseException) -> int:
    """Bisect a failed batch: a bad span costs about log2(batch) extra transactions."""
    if len(records) == 1:
        on_rejected(records, exc)
        return 0
    middle = len(records) // 2
    halves = (records[:middle], records[middle:])
    return sum(_write_isolating(engine, project, part, pricing, on_rejected) for part in halves)
