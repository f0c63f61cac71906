"""``otel-llm webhooks``: a project's webhooks, their delivery log, and one delivery pass.

Every command calls ``otel_llm.webhooks`` (the same functions as the console's Settings → Webhooks)
and only formats the result. Like ``otel-llm keys``, the CLI acts with the database's rights (admin).
"""

from __future__ import annotations

import click
from otel_llm_server.cli import output
from otel_llm_server.cli.dbcheck import migrated_engine
from otel_llm_server.cli.errors import friendly

from otel_llm import settings
from otel_llm.prompts.errors import PromptError
from otel_llm.storage.vocabulary import DELIVERY_LOG_LIMIT, EVENTS
from otel_llm.webhooks.errors import WebhookError

# The webhooks service (and SQLAlchemy) is imported by each command, so that --help stays fast.
_friendly = friendly(WebhookError, PromptError)


def _project(ctx: click.Context) -> int:
    from otel_llm.prompts import catalog

    return catalog.project_id(migrated_engine(ctx), settings.project(ctx.obj.get("project")))


@click.group()
@click.option("--project", "-p", help="Project [env: OTEL_LLM_PROJECT; default: default].")
@click.pass_context
def webhooks(ctx: click.Context, project: str | None) -> None:
    """Webhooks: signed POSTs to your URLs when prompt versions are created, labels move, versions are archived.

    \b
    Example:
      otel-llm webhooks add https://example.com/hooks/otel-llm --event prompt.label_moved
      otel-llm webhooks deliveries
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project


@webhooks.command("add")
@click.argument("url")
@click.option(
    "--event",
    "events",
    multiple=True,
    type=click.Choice(EVENTS),
    help="Event to send (repeatable) [default: all].",
)
@output.JSON_OPTION
@click.pass_context
@_friendly
def add(ctx, url, events, as_json) -> None:
    """Register URL; prints the signing secret, which is shown only this once.

    \b
    Example:
      otel-llm webhooks add https://example.com/hooks/otel-llm
      otel-llm -p shop webhooks add https://ci.example.com/prompt-moved --event prompt.label_moved
    """
    from otel_llm.webhooks import service

    project_id = _project(ctx)
    webhook, secret = service.create_webhook(
        migrated_engine(ctx), project_id, url, list(events) or None, actor=output.user_name()
    )
    if as_json:
        return output.print_json({"webhook": webhook.to_dict(), "secret": secret})
    click.echo(f"Webhook {webhook.id}: {webhook.url} ({', '.join(webhook.events)}).")
    click.echo(f"Signing secret (store it now, it is not shown again): {secret}")


@webhooks.command("list")
@output.JSON_OPTION
@click.pass_context
@_friendly
def list_webhooks(ctx, as_json) -> None:
    """List the project's webhooks (never their secrets).

    \b
    Example:
      otel-llm webhooks list --json
    """
    from otel_llm.webhooks import service

    found = service.list_webhooks(migrated_engine(ctx), _project(ctx))
    if as_json:
        return output.print_json([w.to_dict() for w in found])
    if not found:
        return click.echo("No webhooks yet. Add one with `otel-llm webhooks add URL`.")
    for w in found:
        click.echo(f"{w.id:>5}  {output.safe(w.url)}  {', '.join(w.events)}  secret {w.hint}")


@webhooks.command("remove")
@click.argument("webhook_id", type=int)
@click.pass_context
@_friendly
def remove(ctx, webhook_id) -> None:
    """Remove webhook WEBHOOK_ID and its delivery log.

    \b
    Example:
      otel-llm webhooks remove 3
    """
    from otel_llm.webhooks import service

    removed = service.remove_webhook(migrated_engine(ctx), _project(ctx), webhook_id)
    click.echo(f"Removed webhook {removed.id} ({output.safe(removed.url)}).")


@webhooks.command("deliveries")
@click.option("--webhook", "webhook_id", type=int, help="Only this webhook's deliveries.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, DELIVERY_LOG_LIMIT))
@output.JSON_OPTION
@click.pass_context
@_friendly
def deliveries(ctx, webhook_id, limit, as_json) -> None:
    """The delivery log, newest first: status, attempts, last answer and error, next attempt.

    \b
    Example:
      otel-llm webhooks deliveries --webhook 3 --limit 50
    """
    from otel_llm.webhooks import service

    rows = service.list_deliveries(migrated_engine(ctx), _project(ctx), webhook_id, limit=limit)
    if as_json:
        return output.print_json([d.to_dict() for d in rows])
    if not rows:
        return click.echo("No deliveries yet.")
    for d in rows:
        answer = d.last_status_code or "-"
        after = f"  next {output.iso(d.next_attempt_at)}" if d.next_attempt_at else ""
        error = f"  {output.safe(d.last_error)}" if d.last_error else ""
        click.echo(
            f"{d.id:>6}  {output.iso(d.created_at)}  {d.event:24} webhook {d.webhook_id}  {d.status:9} "
            f"{d.attempts} attempts  HTTP {answer}{after}{error}"
        )


@webhooks.command("deliver")
@click.pass_context
@_friendly
def deliver(ctx) -> None:
    """One delivery pass: post every due delivery of every project once (for cron; `otel-llm worker`
    and `otel-llm web` deliver continuously).

    \b
    Example:
      otel-llm webhooks deliver
    """
    from otel_llm.webhooks.sender import deliver_due

    report = deliver_due(migrated_engine(ctx))
    click.echo(f"{report.delivered} delivered, {report.retrying} to retry, {report.failed} failed for good.")
