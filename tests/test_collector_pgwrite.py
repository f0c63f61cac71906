"""The collector's direct-COPY write stores each span once, also when a group overlaps stored spans."""

from __future__ import annotations

import pytest

from collector.pgwrite import write_rows
from otel_llm.storage.db import get_engine
from otel_llm.storage.normalize import SpanRecord, to_row
from otel_llm.storage.writer import ensure_project

pytestmark = pytest.mark.postgres


def _rows(project_id: int, first: int, count: int) -> list[dict]:
    records = [
        SpanRecord(
            trace_id=f"{i + 1:032x}",
            span_id=f"{i + 1:016x}",
            name=f"chat {i}",
            start_ns=1_767_225_600_000_000_000 + i,
            end_ns=1_767_225_601_000_000_000 + i,
            attributes={"gen_ai.provider.name": "openai", "score": float("nan"), "n": i},
        )
        for i in range(first, first + count)
    ]
    return [to_row(r, project_id) for r in records]


def test_overlapping_groups_store_every_span_once(pg_url):
    engine = get_engine(pg_url)
    with engine.begin() as connection:
        project_id = ensure_project(connection, "p")
        write_rows(connection, _rows(project_id, 0, 50))
    with engine.begin() as connection:
        write_rows(connection, _rows(project_id, 25, 50))  # half already stored: a retry
    with engine.connect() as connection:
        stored = connection.exec_driver_sql(
            "SELECT count(*), count(DISTINCT span_id), min(attributes->>'n'), "
            "bool_and(attributes->'score' = 'null'::jsonb) FROM spans"
        ).one()
    assert tuple(stored) == (75, 75, "0", True)
