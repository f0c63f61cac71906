"""Postgres bulk path: binary COPY into a temporary table, then one INSERT … ON CONFLICT DO NOTHING."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert as pg_insert

from otel_llm.storage.schema import spans


def copy_rows(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    # Baseline: multi-row INSERT; replaced by binary COPY (see the spine issue).
    connection.execute(pg_insert(spans).on_conflict_do_nothing(), list(rows))
