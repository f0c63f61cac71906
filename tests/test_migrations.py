"""Migrations: base → head → base on SQLite and Postgres, and head matches the schema module."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from otel_llm.storage import migrate
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import metadata
from otel_llm.storage.schema_core import postgres_options


def test_upgrade_then_downgrade_round_trip(empty_db_url):
    migrate.upgrade(empty_db_url)
    assert migrate.current_revision(empty_db_url) == migrate.head_revision()
    tables = set(inspect(get_engine(empty_db_url)).get_table_names())
    assert {"projects", "api_keys", "spans"} <= tables

    migrate.downgrade(empty_db_url, "base")
    assert migrate.current_revision(empty_db_url) is None
    left = set(inspect(get_engine(empty_db_url)).get_table_names()) - {"alembic_version"}
    assert left == set()

    migrate.upgrade(empty_db_url)  # and up again: downgrade left nothing behind that blocks it
    assert migrate.is_up_to_date(empty_db_url)


def test_head_matches_schema_module(db_url):
    with get_engine(db_url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), postgres_options(metadata))
    assert diff == [], f"migrations and otel_llm/storage/schema*.py disagree: {diff}"


def test_partitions_migration_keeps_spans_both_ways(empty_db_url, tmp_path):
    """0019_partitions with spans stored: on Postgres the table is converted and back, on SQLite left."""
    from tests.span_factory import emit, llm_attributes, span_pipeline

    before = "0015_span_kinds"  # 0019_partitions' down_revision
    migrate.upgrade(empty_db_url, before)
    with span_pipeline(empty_db_url, tmp_path) as (tracer, _):
        stored = sorted(
            emit(tracer, start_ns=1_790_000_000 * 10**9 + i, **llm_attributes()) for i in range(3)
        )
    engine = get_engine(empty_db_url)

    def kept():
        with engine.connect() as connection:
            return sorted(tuple(r) for r in connection.exec_driver_sql("SELECT trace_id, span_id FROM spans"))

    migrate.upgrade(empty_db_url)
    assert kept() == stored
    migrate.downgrade(empty_db_url, before)
    assert kept() == stored
