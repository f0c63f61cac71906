"""Postgres: ``spans`` range-partitioned by ``start_time``, one partition a day (plain DDL).

Partitions live in their own schema (``otel_llm_partitions``), named ``spans_YYYYMMDD`` (UTC days),
plus ``spans_default`` for spans outside every daily partition (a clock far off, spans older than
the partitions made when the table was converted). The maintenance step creates the partitions of
the next ``AHEAD_DAYS`` days and drops the ones every project's retention has passed; a partition
created for a day the default partition already holds spans of takes those spans over.

A partitioned table's unique keys must include the partition key, so the primary key is
``(project_id, trace_id, span_id, start_time)``: a span sent again (an exporter retry, a re-sent
OTLP request) carries the same start time, so ``ON CONFLICT DO NOTHING`` still skips it.

``partition_spans`` / ``unpartition_spans`` convert the table in place (migration
``0019_partitions``): columns are copied with ``LIKE``, and the indexes, triggers and foreign keys
defined on ``spans`` are read from the catalog and re-created, so whatever earlier migrations
added to ``spans`` survives. Rows are copied in keyset batches with progress logged, under an
``EXCLUSIVE`` lock (reads go on; writers wait, and the collector spools meanwhile).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, text

from otel_llm.storage import prompt_rollups

logger = logging.getLogger(__name__)

SCHEMA = "otel_llm_partitions"
DEFAULT = f"{SCHEMA}.spans_default"
AHEAD_DAYS = 3
BACKFILL_DAYS = 35  # daily partitions made at conversion for the past; older spans go to the default
COPY_BATCH_ROWS = 50_000
_DAILY = re.compile(r"^spans_(\d{8})$")


@dataclass(frozen=True)
class Carried:
    """What is defined on ``spans`` besides its columns, as SQL to re-create it."""

    primary_key: str
    key_columns: list[str]
    indexes: list[str]
    foreign_keys: list[tuple[str, str]]
    triggers: list[str]


def is_partitioned(connection: Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    kind = connection.execute(text("SELECT relkind FROM pg_class WHERE oid = to_regclass('spans')")).scalar()
    return kind == "p"


def daily_partitions(connection: Connection) -> dict[date, str]:
    """The daily partitions of ``spans``: day → qualified table name."""
    rows = connection.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'spans'::regclass"
        )
    ).scalars()
    found = {}
    for name in rows:
        if match := _DAILY.match(name):
            found[datetime.strptime(match.group(1), "%Y%m%d").date()] = f"{SCHEMA}.{name}"
    return found


def ensure_ahead(connection: Connection, now: datetime, parent: str = "spans") -> list[str]:
    """Create the partitions of today and the next ``AHEAD_DAYS`` days; returns the ones created."""
    today = now.astimezone(UTC).date()
    existing = daily_partitions(connection) if parent == "spans" else {}
    days = [today + timedelta(days=n) for n in range(AHEAD_DAYS + 1)]
    return [create_partition(connection, day, parent) for day in days if day not in existing]


def create_partition(connection: Connection, day: date, parent: str = "spans") -> str:
    """Create ``day``'s partition; spans of that day already in the default partition move into it."""
    name = f"{SCHEMA}.spans_{day:%Y%m%d}"
    lower, upper = _bound(day), _bound(day + timedelta(days=1))
    bounds = f"FOR VALUES FROM ('{lower}') TO ('{upper}')"
    in_default = f"FROM {DEFAULT} WHERE start_time >= '{lower}' AND start_time < '{upper}'"
    if connection.execute(text(f"SELECT EXISTS (SELECT 1 {in_default})")).scalar():
        connection.execute(
            text(f"CREATE TABLE {name} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        )
        connection.execute(
            text(f"WITH moved AS (DELETE {in_default} RETURNING *) INSERT INTO {name} SELECT * FROM moved")
        )
        connection.execute(text(f"ALTER TABLE {parent} ATTACH PARTITION {name} {bounds}"))
    else:
        connection.execute(text(f"CREATE TABLE {name} PARTITION OF {parent} {bounds}"))
    logger.info("otel-llm: created partition %s", name)
    return name


def drop_before(connection: Connection, cutoff: datetime) -> list[str]:
    """Drop the daily partitions whose every span started before ``cutoff``; returns their names."""
    dropped = []
    for day, name in sorted(daily_partitions(connection).items()):
        if datetime.combine(day + timedelta(days=1), time(), UTC) <= cutoff:
            connection.execute(text(f"DROP TABLE {name}"))
            _forget_overview(connection, day)
            logger.info("otel-llm: dropped partition %s (past every project's retention)", name)
            dropped.append(name)
    return dropped


def _forget_overview(connection: Connection, day: date) -> None:
    """The overview's and prompt metrics' rollups of a dropped day go with it (a DROP fires no delete
    trigger), so both keep showing what is stored, as after a batched delete. Experiment rollups keep their
    history (docs/deployment.md)."""
    start = int(datetime.combine(day, time(), UTC).timestamp())
    bounds = {"start": start, "end": start + 86400}
    connection.execute(text("DELETE FROM overview_rollups WHERE hour >= :start AND hour < :end"), bounds)
    connection.execute(text("DELETE FROM overview_latency WHERE start >= :start AND start < :end"), bounds)
    prompt_rollups.forget_day(connection, start)


def _bound(day: date) -> str:
    return f"{day.isoformat()} 00:00:00+00"


# --- conversion (migration 0019_partitions) ---------------------------------------------------


def carried(connection: Connection, table: str = "spans") -> Carried:
    """The primary key, indexes, foreign keys and triggers of ``table``, read from the catalog."""
    oid = f"'{table}'::regclass"
    pk_name, pk_columns = connection.execute(
        text(
            "SELECT c.conname, array_agg(a.attname ORDER BY k.n) FROM pg_constraint c "
            "CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY k(attnum, n) "
            f"JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
            f"WHERE c.conrelid = {oid} AND c.contype = 'p' GROUP BY c.conname"
        )
    ).one()
    indexes = connection.execute(
        text(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = "
            f"{oid} AND NOT i.indisprimary ORDER BY i.indexrelid"
        )
    ).scalars()
    foreign = connection.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            f"WHERE conrelid = {oid} AND contype = 'f' ORDER BY conname"
        )
    ).all()
    triggers = connection.execute(
        text(
            f"SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = {oid} AND NOT tgisinternal ORDER BY tgname"
        )
    ).scalars()
    return Carried(pk_name, list(pk_columns), list(indexes), [tuple(f) for f in foreign], list(triggers))


def partition_spans(connection: Connection, now: datetime | None = None) -> None:
    """Convert the plain ``spans`` table to a partitioned one, keeping every row and definition."""
    now = now or datetime.now(UTC)
    before = carried(connection)
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    connection.execute(text("LOCK TABLE spans IN EXCLUSIVE MODE"))
    connection.execute(
        text(
            "CREATE TABLE spans_partitioned (LIKE spans INCLUDING ALL EXCLUDING INDEXES) PARTITION BY RANGE (start_time)"
        )
    )
    connection.execute(text(f"CREATE TABLE {DEFAULT} PARTITION OF spans_partitioned DEFAULT"))
    today = now.astimezone(UTC).date()
    for n in range(-BACKFILL_DAYS, AHEAD_DAYS + 1):
        create_partition(connection, today + timedelta(days=n), "spans_partitioned")
    _copy_batched(connection, "spans", "spans_partitioned", before.key_columns)
    connection.execute(text("DROP TABLE spans"))
    connection.execute(text("ALTER TABLE spans_partitioned RENAME TO spans"))
    key = [*before.key_columns, *([] if "start_time" in before.key_columns else ["start_time"])]
    _restore(connection, before, key)


def unpartition_spans(connection: Connection) -> None:
    """Convert the partitioned ``spans`` back to a plain table (the primary key without ``start_time``;
    of spans sharing project, trace and span id, the first in key order is kept)."""
    before = carried(connection)
    connection.execute(text("LOCK TABLE spans IN EXCLUSIVE MODE"))
    connection.execute(text("CREATE TABLE spans_plain (LIKE spans INCLUDING ALL EXCLUDING INDEXES)"))
    key = [c for c in before.key_columns if c != "start_time"]
    connection.execute(
        text(f"ALTER TABLE spans_plain ADD CONSTRAINT spans_plain_pkey PRIMARY KEY ({', '.join(key)})")
    )
    _copy_batched(connection, "spans", "spans_plain", before.key_columns)
    connection.execute(text("DROP TABLE spans"))  # and its partitions
    connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA}"))
    connection.execute(text("ALTER TABLE spans_plain RENAME TO spans"))
    connection.execute(text(f"ALTER TABLE spans RENAME CONSTRAINT spans_plain_pkey TO {before.primary_key}"))
    _restore(connection, before, None)


def _restore(connection: Connection, before: Carried, key: list[str] | None) -> None:
    if key is not None:
        connection.execute(
            text(f"ALTER TABLE spans ADD CONSTRAINT {before.primary_key} PRIMARY KEY ({', '.join(key)})")
        )
    for name, definition in before.foreign_keys:
        connection.execute(text(f"ALTER TABLE spans ADD CONSTRAINT {name} {definition}"))
    for statement in [*before.indexes, *before.triggers]:
        connection.execute(text(statement))


def _copy_batched(connection: Connection, source: str, target: str, key: list[str]) -> None:
    """Copy every row of ``source`` into ``target`` in keyset batches of ``COPY_BATCH_ROWS``, logging progress."""
    total = connection.execute(text(f"SELECT count(*) FROM {source}")).scalar_one()
    columns = ", ".join(key)
    descending = ", ".join(f"{c} DESC" for c in key)
    params = ", ".join(f":k{i}" for i in range(len(key)))

    def batch_sql(after: bool) -> str:
        where = f"WHERE ({columns}) > ({params})" if after else ""
        return (
            f"WITH batch AS MATERIALIZED (SELECT * FROM {source} {where} ORDER BY {columns} LIMIT {COPY_BATCH_ROWS}), "
            f"copied AS (INSERT INTO {target} SELECT * FROM batch ON CONFLICT DO NOTHING) "
            f"SELECT count(*) OVER (), {columns} FROM batch ORDER BY {descending} LIMIT 1"
        )

    copied, last = 0, None
    while True:
        bind: dict[str, object] = {f"k{i}": v for i, v in enumerate(last)} if last is not None else {}
        row = connection.execute(text(batch_sql(last is not None)), bind).first()
        if row is None:
            break
        copied += row[0]
        last = tuple(row[1:])
        logger.info("otel-llm: copied %d of %d spans into %s", copied, total, target)
        if row[0] < COPY_BATCH_ROWS:
            break
    logger.info("otel-llm: %s holds the %d spans of %s", target, copied, source)
