"""``otel-llm db``: database migrations."""

from __future__ import annotations

import logging

import click
from otel_llm_server.cli.dbcheck import (
    database_url,
    migrated_engine,
    require_existing_file,
    require_url,
    unavailable,
)

from otel_llm.masking import mask_url
from otel_llm.storage.vocabulary import DELETE_BATCH_SIZE


def db_engine(ctx: click.Context):
    """The engine of that database, once it exists and is migrated (else a one-line error)."""
    return migrated_engine(ctx)


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
    from otel_llm.storage import migrate

    url = database_url(ctx)
    require_url(url)
    logging.getLogger("otel_llm.storage.partitions").setLevel(logging.INFO)  # a table conversion's progress
    try:
        migrate.upgrade(url, revision)
        now = migrate.current_revision(url)
    except Exception as exc:
        raise unavailable(url, exc, doing="upgrade") from exc
    click.echo(f"Database {mask_url(url)} is at revision {now}.")


@db.command()
@click.pass_context
def current(ctx: click.Context) -> None:
    """Print the database's revision and whether it is up to date.

    \b
    Example:
      otel-llm db current
    """
    from otel_llm.storage import migrate

    url = database_url(ctx)
    require_existing_file(url)
    try:
        revision = migrate.current_revision(url)
    except Exception as exc:
        raise unavailable(url, exc) from exc
    head = migrate.head_revision()
    state = "up to date" if revision == head else f"behind (latest is {head}); run `otel-llm db upgrade`"
    click.echo(f"{revision or '(empty)'} — {state}")


@db.command()
@click.pass_context
def citus(ctx: click.Context) -> None:
    """Make the rollup triggers runnable on Citus (after distributing the tables).

    Replaces each trigger function that reads a transition table with a variant that reads it into
    jsonb first (Citus cannot join a transition table with a distributed table). Safe to run again;
    run it again after every `otel-llm db upgrade`. See docs/deployment.md, "Citus".

    \b
    Example:
      otel-llm db citus
    """
    from otel_llm.storage import citus as citus_storage

    engine = db_engine(ctx)
    try:
        rewritten = citus_storage.install_variants(engine)
    except citus_storage.CitusMissing as exc:
        raise click.ClickException(f"{exc}; `otel-llm db citus` is only for a Citus coordinator.") from exc
    except citus_storage.CitusError as exc:
        raise click.ClickException(str(exc)) from exc
    for r in rewritten:
        state = "rewritten" if r.changed else "already the Citus variant"
        click.echo(f"{r.function} (trigger on {r.table}, reads {', '.join(r.transition_tables)}): {state}.")
    if not any(r.changed for r in rewritten):
        click.echo("Nothing to change.")


@db.command()
@click.option(
    "--batch-size",
    default=DELETE_BATCH_SIZE,
    show_default=True,
    type=click.IntRange(1),
    help="Spans deleted per transaction.",
)
@click.pass_context
def maintain(ctx: click.Context, batch_size: int) -> None:
    """Apply every project's retention: delete spans older than it, in short batches.

    On Postgres also create the next days' partitions of `spans` and drop the ones past every
    project's retention. `otel-llm worker` runs this on a schedule; set a project's retention with
    `otel-llm projects retention`.

    \b
    Example:
      otel-llm projects retention support-bot 30
      otel-llm db maintain
    """
    engine = db_engine(ctx)
    report = run_maintenance(engine, batch_size)
    if not (report.created or report.dropped or report.purged):
        click.echo(
            "No project has a retention; nothing to delete (set one with `otel-llm projects retention`)."
        )


def run_maintenance(engine, batch_size: int = DELETE_BATCH_SIZE, echo=click.echo):
    """One maintenance pass, each step reported in a line."""
    from otel_llm.storage import maintenance

    report = maintenance.maintain(engine, batch_size=batch_size)
    for name in report.created:
        echo(f"Created partition {name}.")
    for name in report.dropped:
        echo(f"Dropped partition {name} (past every project's retention).")
    for purged in report.purged:
        echo(
            f"{purged.project}: deleted {purged.spans} spans older than {purged.days} days "
            f"(before {purged.cutoff:%Y-%m-%d %H:%M} UTC)."
        )
    return report
