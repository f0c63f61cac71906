"""Apply the Alembic migrations in ``migrations/`` to a database.

An SQLite file is the embedded default, so ``otel_llm.configure()`` brings it to the current schema
itself (``prepare_embedded``): a new file is created, an older one upgraded. On SQLite every upgrade
runs as one ``BEGIN IMMEDIATE`` transaction, so processes that start together on one file (app
workers, ``otel-llm db upgrade``) take turns: the first migrates, the others then find it current.
A Postgres database is upgraded only by an explicit ``otel-llm db upgrade``.

Reading the current and the head revision needs no Alembic import (every CLI command and
``configure()`` check it); Alembic is imported only when a migration runs.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, make_url

from otel_llm import settings
from otel_llm.storage.db import _sqlite_pragmas, get_engine, normalize_url
from otel_llm_server import migrations

logger = logging.getLogger(__name__)

SCRIPT_LOCATION = Path(migrations.__file__).parent
VERSION_TABLE = "alembic_version"
SQLITE_LOCK_TIMEOUT_SECONDS = 120  # how long a process waits for another one's migration to finish

_REVISION_LINE = re.compile(
    r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(None|"[^"]*"|'[^']*')\s*$""", re.M
)


def alembic_config(url: str | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("sqlalchemy.url", normalize_url(settings.database_url(url)).replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    from alembic import command

    _run(url, command.upgrade, revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    from alembic import command

    _run(url, command.downgrade, revision)


def prepare_embedded(url: str | None = None) -> None:
    """Create or upgrade an SQLite database to head (nothing to do for Postgres, or when current)."""
    url = settings.database_url(url)
    try:
        parsed = make_url(url)
    except Exception:  # not a URL: the exporter reports it once, as a configuration error
        return
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    if Path(parsed.database).exists() and is_up_to_date(url):
        return
    logger.info("otel-llm: bringing %s to the current schema", parsed.database)
    upgrade(url)


def current_revision(url: str | None = None) -> str | None:
    with get_engine(url).connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        versions = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return versions[0] if len(versions) == 1 else None if not versions else ",".join(sorted(versions))


def head_revision() -> str | None:
    """The newest revision: the one no other revision file names as its ``down_revision``."""
    revisions, parents = set(), set()
    for path in sorted((SCRIPT_LOCATION / "versions").glob("*.py")):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(found["revision"].strip("\"'"))
        parents.add(found.get("down_revision", "None").strip("\"'"))
    heads = revisions - parents
    if len(heads) == 1:
        return heads.pop()
    return _alembic_head()  # not one plain chain (a merge, a branch): Alembic decides, or says why not


def is_up_to_date(url: str | None = None) -> bool:
    return current_revision(url) == head_revision()


def _alembic_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _run(url: str | None, alembic_command, revision: str) -> None:
    config = alembic_config(url)
    if make_url(url := settings.database_url(url)).get_backend_name() != "sqlite":
        alembic_command(config, revision)
        return
    engine = _exclusive_sqlite_engine(url)
    try:
        with engine.connect() as connection, connection.begin():
            config.attributes["connection"] = connection
            alembic_command(config, revision)
    finally:
        engine.dispose()


def _exclusive_sqlite_engine(url: str):
    """An engine whose transactions are ``BEGIN IMMEDIATE`` and include the DDL (SQLAlchemy's pysqlite
    recipe): Python's sqlite3 would otherwise run each ``CREATE TABLE`` outside any transaction."""
    engine = create_engine(normalize_url(url), connect_args={"timeout": SQLITE_LOCK_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record) -> None:
        _sqlite_pragmas(dbapi_connection, record)
        dbapi_connection.isolation_level = None  # no implicit BEGIN / COMMIT from the driver

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
