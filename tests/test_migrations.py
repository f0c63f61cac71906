"""Migrations: base → head → base on SQLite and Postgres, and head matches the schema module."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from otel_llm.storage import migrate
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import metadata


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
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == [], f"migrations and otel_llm/storage/schema*.py disagree: {diff}"
