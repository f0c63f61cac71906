"""Postgres bulk path: binary COPY into a session temp table, then one INSERT … ON CONFLICT DO NOTHING.

``COPY`` cannot skip rows that already exist, so the batch is copied into a temporary staging table
and moved into ``spans`` with ``INSERT … SELECT … ON CONFLICT DO NOTHING``: duplicates (retries,
double exports) are ignored, and everything runs in the caller's transaction, so a failed batch
leaves nothing behind. The staging table is created once per database session
(``ON COMMIT DELETE ROWS``: empty after every commit, and rolled back with the transaction), so
a batch costs no catalog changes. Column types are declared to COPY (binary format), JSON columns
go as JSONB binary. Measured in ``bench/copy_path.py`` (``docs/benchmarks.md``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, DateTime, Float, Integer, String, Text

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
_COPY = f"COPY {STAGING} ({_COLUMN_LIST}) FROM STDIN (FORMAT BINARY)"
_MOVE = f"INSERT INTO spans ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM {STAGING} ON CONFLICT DO NOTHING"


@lru_cache(maxsize=1)
def copy_types() -> list[str]:
    """Postgres type name of each ``spans`` column, in ``SPAN_COLUMNS`` order, for binary COPY."""
    return [_pg_type(spans.c[name].type) for name in SPAN_COLUMNS]


def _pg_type(sql_type) -> str:
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
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:
        cursor.execute(_PREPARE)
        _set_json_dumps(cursor, jsoncodec.dumps_bytes)
        with cursor.copy(_COPY) as copy:
            copy.set_types(copy_types())
            for row in rows:
                copy.write_row([row[name] for name in SPAN_COLUMNS])
        cursor.execute(_MOVE)
        return cursor.rowcount


def _set_json_dumps(cursor, dumps) -> None:
    """orjson (``storage.jsoncodec``): fast, and values JSON cannot encode become strings, not errors."""
    from psycopg.types.json import set_json_dumps

    set_json_dumps(dumps, cursor)
