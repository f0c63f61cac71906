"""Engines: one per URL per process, configured for concurrent writers on both databases."""

from __future__ import annotations

import os
import threading

from sqlalchemy import Connection, Engine, create_engine, event, insert
from sqlalchemy.engine import make_url

from otel_llm import extras, settings
from otel_llm.storage import jsoncodec

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` URLs are served by psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_postgres(url_or_engine: str | Engine) -> bool:
    name = (
        url_or_engine.dialect.name
        if isinstance(url_or_engine, Engine)
        else make_url(url_or_engine).get_backend_name()
    )
    return name in ("postgresql", "postgres")


def get_engine(url: str | None = None) -> Engine:
    """The shared engine for ``url`` (default: ``OTEL_LLM_DATABASE_URL``)."""
    key = normalize_url(settings.database_url(url))
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _create(key)
            _engines[key] = engine
        return engine


def _create(url: str) -> Engine:
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            json_serializer=jsoncodec.dumps,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if is_postgres(url):
        extras.require("psycopg", "a postgresql:// database URL")
    # A bounded connect: an unreachable host must not hold the exporter for the OS TCP timeout.
    connect_args = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": 10}
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        connect_args=connect_args,
        json_serializer=jsoncodec.dumps,
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _after_fork_in_child() -> None:
    """A forked worker must not use its parent's pooled connections (SQLAlchemy's fork recipe)."""
    global _lock
    _lock = threading.Lock()
    for engine in _engines.values():
        engine.dispose(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def insert_ignore(connection: Connection, table):
    """``INSERT … ON CONFLICT DO NOTHING`` into ``table`` in the connection's dialect (imported
    here, not at the top: the dialect modules are ~20 ms of a command's start)."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()
    return insert(table)
