"""Bulk writes of span rows, shared by the in-app exporter and the collector.

A batch is written in one transaction; a span already stored (same project, trace id, span id) is
left as it is, so retries and duplicate exports store each span once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, select

from otel_llm.pricing import PricingTable
from otel_llm.pricing.custom import table_for as project_pricing
from otel_llm.storage import db, dedup
from otel_llm.storage.errors import is_data_error
from otel_llm.storage.normalize import SpanRecord, to_row
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
        connection.execute(db.insert_ignore(connection, projects).values(name=name))
        return connection.execute(select(projects.c.id).where(projects.c.name == name)).scalar_one()


def forget_project_cache() -> None:
    _project_ids.clear()


def insert_rows(connection: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert span rows in the caller's transaction, skipping ones already stored; returns how many
    were new. Postgres: binary COPY through a staging table (``pg_copy``); SQLite: executemany."""
    if not rows:
        return 0
    if connection.dialect.name == "postgresql":
        from otel_llm.storage import pg_copy

        return pg_copy.copy_rows(connection, rows)
    result = connection.execute(db.insert_ignore(connection, spans), list(rows))
    return max(result.rowcount, 0)


Rejected = Callable[[list[SpanRecord], BaseException], None]


def write_records(
    engine: Engine,
    project: str,
    records: Iterable[SpanRecord],
    pricing: PricingTable | None = None,
    on_rejected: Rejected | None = None,
) -> int:
    """Normalise and store records in one transaction; returns how many rows were new.

    Without ``on_rejected`` any failure raises and nothing is stored. With it, bad spans are set
    aside and the others stored: a span that cannot be normalised is found directly; a batch the
    database refuses because of its data (``errors.is_data_error``) is split in halves until the
    bad spans are alone. Each bad span goes to ``on_rejected`` with its error, once the rest is
    stored. Failures of the database itself (unreachable, not migrated) always raise, reporting
    nothing, so the caller can retry the whole batch later.
    """
    project_id = _project_id(engine, project)
    kept, moves = dedup.resolve(list(records), project_id)
    pricing = project_pricing(engine, project_id, pricing)
    pairs, bad = _normalise(kept, project_id, pricing, strict=on_rejected is None)
    try:
        stored = _insert(engine, pairs)
    except Exception as exc:
        if on_rejected is None or not is_data_error(exc):
            raise
        logger.warning("otel-llm: the database refused a batch of %d spans (%s); isolating", len(pairs), exc)
        stored = _split(engine, pairs, bad, exc)
    if moves:
        with engine.begin() as connection:
            dedup.reparent_stored(connection, project_id, moves)
    if bad:
        assert on_rejected is not None  # strict mode raised instead of collecting
        for record, error in bad:
            on_rejected([record], error)
    return stored


Pair = tuple[SpanRecord, dict[str, Any]]


def _project_id(engine: Engine, project: str) -> int:
    with engine.begin() as connection:
        return ensure_project(connection, project)


def _normalise(
    records, project_id, pricing, strict: bool
) -> tuple[list[Pair], list[tuple[SpanRecord, BaseException]]]:
    pairs: list[Pair] = []
    bad: list[tuple[SpanRecord, BaseException]] = []
    for record in records:
        try:
            pairs.append((record, to_row(record, project_id, pricing)))
        except Exception as exc:
            if strict:
                raise
            bad.append((record, exc))
    return pairs, bad


def _insert(engine: Engine, pairs: list[Pair]) -> int:
    if not pairs:
        return 0
    with engine.begin() as connection:
        return insert_rows(connection, [row for _, row in pairs])


def _insert_isolating(engine: Engine, pairs: list[Pair], bad: list) -> int:
    try:
        return _insert(engine, pairs)
    except Exception as exc:
        if not is_data_error(exc):
            raise
        return _split(engine, pairs, bad, exc)


def _split(engine: Engine, pairs: list[Pair], bad: list, exc: BaseException) -> int:
    """Bisect a refused batch: a bad span costs about 2·log2(batch) extra transactions."""
    if len(pairs) == 1:
        bad.append((pairs[0][0], exc))
        return 0
    middle = len(pairs) // 2
    return _insert_isolating(engine, pairs[:middle], bad) + _insert_isolating(engine, pairs[middle:], bad)
