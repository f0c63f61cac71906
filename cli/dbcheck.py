"""Opening the database for a CLI command, with one-line errors that say what to do.

Every command that reads or writes the store gets its engine from ``migrated_engine(ctx)``: a
missing SQLite file, an unreachable server or a schema that is not at this otel-llm's revision
is a ``click.ClickException`` (one line, the URL's password masked) before anything runs. A
database error later on (the server going away mid-command) is worded by ``unavailable``, which
``cli/main.py`` applies to whatever database error a command lets through.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from otel_llm import settings
from otel_llm.masking import mask_url, short_error

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import URL

# SQLAlchemy, Alembic and the schema are imported by the functions that open the database, not at
# import: every command module imports this one, and its --help must not pay for them.

CHECK_URL = "check that it is running and reachable, and --database-url / OTEL_LLM_DATABASE_URL"


def database_url(ctx: click.Context) -> str:
    """The database URL chosen on the command line or in the environment."""
    return settings.database_url((ctx.find_root().obj or {}).get("database_url"))


def safe_url(url: str) -> str:
    return mask_url(url)


def migrated_engine(ctx: click.Context) -> Engine:
    """The engine of the chosen database, once it is known to exist and be migrated to head."""
    from otel_llm.storage.db import get_engine

    url = database_url(ctx)
    check_database(url)
    return get_engine(url)


def check_database(url: str) -> None:
    """``ClickException`` unless ``url`` names an existing database at the head revision."""
    from otel_llm.storage import migrate

    require_existing_file(url)
    try:
        revision = migrate.current_revision(url)
    except Exception as exc:
        raise unavailable(url, exc) from exc
    if revision is None:
        raise click.ClickException(
            f"the database {mask_url(url)} has no otel-llm tables yet; run `otel-llm db upgrade` first."
        )
    if revision != migrate.head_revision():
        raise click.ClickException(
            f"the database {mask_url(url)} is at revision {revision}, not {migrate.head_revision()} "
            "(this otel-llm's); run `otel-llm db upgrade`."
        )


def require_url(url: str) -> URL:
    """``url`` parsed, or a ``ClickException`` saying it is not a database URL."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except Exception as exc:
        raise click.ClickException(
            f"{mask_url(url)} is not a database URL otel-llm can open ({short_error(exc)}); use e.g. "
            "sqlite:///otel_llm.db or postgresql://user@host/db."
        ) from exc
    return parsed


def require_existing_file(url: str) -> None:
    """A SQLite URL must name a file that exists (opening it would create an empty one)."""
    parsed = require_url(url)
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        if not Path(database).exists():
            raise click.ClickException(
                f"no database at {database}; run `otel-llm db upgrade` to create it "
                "(or pass --database-url / set OTEL_LLM_DATABASE_URL)."
            )


def unavailable(url: str, exc: BaseException, doing: str = "use") -> click.ClickException:
    """The one line for a database that cannot be used: which one (password masked), why, what to do."""
    return click.ClickException(
        f"cannot {doing} the database {mask_url(url)}: {short_error(exc)}; {CHECK_URL}."
    )


def is_database_error(exc: BaseException) -> bool:
    """True for errors raised by SQLAlchemy or a database driver (as opposed to bugs of ours)."""
    import sqlite3

    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError | sqlite3.Error):
        return True
    return type(exc).__module__.split(".")[0] in ("psycopg", "psycopg2")
