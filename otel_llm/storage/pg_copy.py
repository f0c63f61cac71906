"""Postgres bulk path: binary COPY straight into ``spans``; on a duplicate, through a staging table.

``COPY`` cannot skip rows that already exist. Duplicates are rare (an exporter retry, a client
re-sending an OTLP request), so a batch is first copied straight into ``spans`` inside a
savepoint — the fastest path Postgres has. If a span of the batch is already stored, the copy
fails with a unique violation, the savepoint is rolled back, and the batch goes the slow way:
binary COPY into a session temp table, then ``INSERT … SELECT … ON CONFLICT DO NOTHING``.

Everything runs in the caller's transaction, so a failed batch leaves nothing behind. The staging
table is created once per database session (``ON COMMIT DELETE ROWS``), so a batch costs no catalog
changes. Column types are declared to COPY (binary format); JSON columns go as JSONB, encoded by
orjson. Measured in ``bench/copy_path.py`` (``docs/benchmarks.md``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from psycopg.errors import UniqueViolation
from psycopg.types.json import set_json_dumps
from sqlalchemy import JSON, Boolean, Connection, DateTime, Float, Integer, String, Text, TypeDecorator

from otel_llm.storage import jsoncodec
from otel_llm.storage.schema import SPAN_COLUMNS, spans

_COLUMN_LIST = ", ".join(SPAN_COLUMNS)
# Named after the column list: a process whose schema differs gets its own staging table.
STAGING = "otel_llm_spans_staging_" + hashlib.sha256(_COLUMN_LIST.encode()).hexdigest()[:8]
# CREATE … AS SELECT takes exactly the copied columns and their types, without NOT NULL or
# defaults, so a column added to ``spans`` later cannot make the staging insert fail.
_PREPARE = (
    f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} ON COMMIT DELETE ROWS AS "
    f"SELECT {_COLUMN_LIST} FROM spans WITH NO DATA; DELETE FROM {STAGING}"
)
_COPY_DIRECT = f"COPY spans ({_COLUMN_LIST}) FROM STDIN (FORMAT BINARY)"
_COPY_STAGING = f"COPY {STAGING} ({_COLUMN_LIST}) FROM STDIN (FORMAT BINARY)"
_SAVEPOINT = "otel_llm_copy"
_MOVE = f"INSERT INTO spans ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM {STAGING} ON CONFLICT DO NOTHING"


@lru_cache(maxsize=1)
def copy_types() -> list[str]:
    """Postgres type name of each ``spans`` column, in ``SPAN_COLUMNS`` order, for binary COPY."""
    return [_pg_type(spans.c[name].type) for name in SPAN_COLUMNS]


def _pg_type(sql_type) -> str:
    if isinstance(sql_type, TypeDecorator):  # schema_core's JSON type: JSON, JSONB on Postgres
        sql_type = sql_type.impl_instance
    checks = ((JSON, "jsonb"), (Boolean, "bool"), (DateTime, "timestamptz"), (Float, "float8"))
    for kind, name in checks:
        if isinstance(sql_type, kind):
            return name
    if isinstance(sql_type, Integer):
        return "int4"
    if isinstance(sql_type, String | Text):
        return "text"  # varchar and text share the binary format
    raise TypeError(f"no COPY type for {sql_type!r}")


def copy_rows(connection: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert ``rows`` (keys: ``SPAN_COLUMNS``) in the caller's transaction; returns rows inserted
    (already-stored spans are skipped)."""
    # Primary-key order: concurrent writers of overlapping batches then wait on each other in
    # the same order instead of deadlocking.
    rows = sorted(rows, key=_primary_key)
    driver: Any = connection.connection.driver_connection  # psycopg's connection
    with driver.cursor() as cursor:
        set_json_dumps(jsoncodec.dumps_bytes, cursor)
        cursor.execute(f"SAVEPOINT {_SAVEPOINT}")
        try:
            _copy(cursor, _COPY_DIRECT, rows)
        except UniqueViolation:
            cursor.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
            return _copy_skipping_stored(cursor, rows)
        cursor.execute(f"RELEASE SAVEPOINT {_SAVEPOINT}")
        return len(rows)


def _primary_key(row: dict[str, Any]) -> tuple:
    return row["project_id"], row["trace_id"], row["span_id"]


def _copy_skipping_stored(cursor, rows: Sequence[dict[str, Any]]) -> int:
    cursor.execute(_PREPARE)
    _copy(cursor, _COPY_STAGING, rows)
    cursor.execute(_MOVE)
    return cursor.rowcount


def _copy(cursor, statement: str, rows: Sequence[dict[str, Any]]) -> None:
    with cursor.copy(statement) as copy:
        copy.set_types(copy_types())
        for row in rows:
            copy.write_row([row[name] for name in SPAN_COLUMNS])
