"""Alembic environment: the URL comes from the caller (``otel_llm.storage.migrate``)."""

from alembic import context

from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import metadata
from otel_llm.storage.schema_core import postgres_options

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = get_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        _run(connection)
        connection.commit()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=postgres_options(metadata),  # autogenerate compares them too
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("otel-llm migrations run online only: use `otel-llm db upgrade`.")
run_migrations_online()
