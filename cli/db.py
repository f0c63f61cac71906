"""``otel-llm db``: database migrations."""

from __future__ import annotations

import click

from otel_llm import settings
from otel_llm.storage import migrate


def database_url(ctx: click.Context) -> str:
    """The database URL chosen on the command line or in the environment."""
    return settings.database_url((ctx.find_root().obj or {}).get("database_url"))


def db_engine(ctx: click.Context):
    """The engine of that database (no migration check; see ``cli.dbcheck.migrated_engine``)."""
    from otel_llm.storage.db import get_engine

    return get_engine(database_url(ctx))


@click.group()
def db() -> None:
    """Create and upgrade the database schema.

    \b
    Example:
      otel-llm db upgrade
      otel-llm db current
    """


@db.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@click.pass_context
def upgrade(ctx: click.Context, revision: str) -> None:
    """Apply migrations up to REVISION (default: the latest).

    \b
    Example:
      OTEL_LLM_DATABASE_URL=postgresql://localhost/otel otel-llm db upgrade
    """
    url = database_url(ctx)
    try:
        migrate.upgrade(url, revision)
    except Exception as exc:
        raise click.ClickException(f"could not upgrade {_safe(url)}: {exc}") from exc
    click.echo(f"Database {_safe(url)} is at revision {migrate.current_revision(url)}.")


@db.command()
@click.pass_context
def current(ctx: click.Context) -> None:
    """Print the database's revision and whether it is up to date.

    \b
    Example:
      otel-llm db current
    """
    url = database_url(ctx)
    try:
        revision = migrate.current_revision(url)
    except Exception as exc:
        raise click.ClickException(f"could not read {_safe(url)}: {exc}") from exc
    head = migrate.head_revision()
    state = "up to date" if revision == head else f"behind (latest is {head}); run `otel-llm db upgrade`"
    click.echo(f"{revision or '(empty)'} — {state}")


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
