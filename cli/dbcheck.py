"""Opening the database for a CLI command, with errors that say what to do."""

from __future__ import annotations

from pathlib import Path

import click
from otel_llm_server.cli.db import database_url
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from otel_llm.storage import migrate
from otel_llm.storage.db import get_engine


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def migrated_engine(ctx: click.Context) -> Engine:
    """The engine of the chosen database, once it is known to exist and be migrated to head."""
    url = database_url(ctx)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
        raise click.ClickException(
            f"no database at {parsed.database}; run `otel-llm db upgrade` to create it "
            "(or pass --database-url / set OTEL_LLM_DATABASE_URL)."
        )
    try:
        revision = migrate.current_revision(url)
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise click.ClickException(
            f"cannot open the database {safe_url(url)}: {first}. Check --database-url / OTEL_LLM_DATABASE_URL."
        ) from exc
    if revision is None:
        raise click.ClickException(
            f"the database {safe_url(url)} has no otel-llm tables yet; run `otel-llm db upgrade` first."
        )
    if revision != migrate.head_revision():
        raise click.ClickException(
            f"the database {safe_url(url)} is at revision {revision}, older than this otel-llm; "
            "run `otel-llm db upgrade`."
        )
    return get_engine(url)
