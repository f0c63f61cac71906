"""The collector's Postgres write: binary COPY straight into ``spans``.

The shared path (``writer.insert_rows`` → ``pg_copy``) copies into a staging table and moves the
rows with ``INSERT … SELECT … ON CONFLICT DO NOTHING``, so a span already stored never fails a
batch. On the collector's hot path retries are the exception, so it first tries the cheaper plan:
COPY directly into ``spans`` inside a savepoint. If a span of the group is already stored (unique
violation: a retried request, or the same span arriving at another collector), the savepoint is
rolled back and the group goes through the shared path, which skips it. Same rows, same outcome
either way; ``bench/ingest.py`` measures the difference. Rows must be sorted by primary key
(the committer does), so concurrent writers wait for each other instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.types.json import set_json_dumps
from sqlalchemy import Connection

from otel_llm.storage import jsoncodec
from otel_llm.storage.pg_copy import copy_types
from otel_llm.storage.schema import SPAN_COLUMNS
from otel_llm.storage.writer import insert_rows

_COPY = f"COPY spans ({', '.join(SPAN_COLUMNS)}) FROM STDIN (FORMAT BINARY)"


def write_rows(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Store ``rows`` (keys: ``SPAN_COLUMNS``) in the caller's transaction, skipping stored spans."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        insert_rows(connection, rows)
        return
    try:
        with connection.begin_nested():
            _copy(connection, rows)
        return
    except psycopg.errors.UniqueViolation:
        pass  # some span is stored already: let the shared path skip it
    insert_rows(connection, rows)


def _copy(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    with connection.connection.driver_connection.cursor() as cursor:
        set_json_dumps(jsoncodec.dumps_bytes, cursor)
        with cursor.copy(_COPY) as copy:
            copy.set_types(copy_types())
            write = copy.write_row
            for row in rows:
                write([row[name] for name in SPAN_COLUMNS])
