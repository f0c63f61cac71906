"""``otel-llm projects`` and ``otel-llm keys``: projects and their API keys (accounts service)."""

from __future__ import annotations

import json

import click
from otel_llm_server.cli.dbcheck import migrated_engine
from otel_llm_server.cli.output import iso

from otel_llm.storage.vocabulary import ROLES

# The accounts service (and SQLAlchemy) is imported by each command, so that --help stays fast.


def _run(call, *args, **kwargs):
    """Call the accounts service; its errors (``AccountError`` is a ``ValueError``) are sentences for the user."""
    try:
        return call(*args, **kwargs)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


def _when(value) -> str:
    return iso(value)


@click.group()
def projects() -> None:
    """Create and list projects (each app or team stores its spans in one).

    \b
    Example:
      otel-llm projects create checkout
      otel-llm projects list
    """


@projects.command("create")
@click.argument("name")
@click.pass_context
def create_project(ctx: click.Context, name: str) -> None:
    """Create project NAME (letters, digits, '.', '_' or '-').

    \b
    Example:
      otel-llm projects create support-bot
      OTEL_LLM_PROJECT=support-bot python app.py
    """
    from otel_llm import accounts

    project = _run(accounts.create_project, migrated_engine(ctx), name)
    click.echo(f"Created project {project.name!r} (id {project.id}).")
    click.echo(f"Next: `otel-llm keys create --project {project.name} --role editor` for API access.")


@projects.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_projects(ctx: click.Context, as_json: bool) -> None:
    """List projects with their stored span counts.

    \b
    Example:
      otel-llm projects list
    """
    from otel_llm import accounts
    from otel_llm.accounts.projects import span_counts

    engine = migrated_engine(ctx)
    found = accounts.list_projects(engine)
    counts = span_counts(engine)
    if as_json:
        data = [
            {"id": p.id, "name": p.name, "created_at": _when(p.created_at), "spans": counts.get(p.id, 0)}
            for p in found
        ]
        click.echo(json.dumps(data, indent=2))
        return
    if not found:
        click.echo("No projects yet; create one with `otel-llm projects create NAME`.")
        return
    click.echo(f"{'NAME':<30} {'SPANS':>10}  CREATED")
    for p in found:
        click.echo(f"{p.name:<30} {counts.get(p.id, 0):>10}  {_when(p.created_at)}")


@projects.command("retention")
@click.argument("name")
@click.argument("days", required=False)
@click.pass_context
def project_retention(ctx: click.Context, name: str, days: str | None) -> None:
    """Show or set how many days project NAME keeps its spans (DAYS, or none to keep them forever).

    Spans older than that are deleted by `otel-llm db maintain` (and by `otel-llm worker`, which runs
    it on a schedule). Scores, replays, dataset items and evaluation results are kept.

    \b
    Example:
      otel-llm projects retention support-bot 30
      otel-llm projects retention support-bot none
      otel-llm projects retention support-bot
    """
    from otel_llm import accounts
    from otel_llm.storage import retention

    engine = migrated_engine(ctx)
    project = _run(accounts.require_project, engine, name)
    if days is None:
        policy = retention.policy_of(engine, project.id)
    else:
        policy = _run(retention.set_retention, engine, project.id, _run(retention.parse_days, days))
    click.echo(f"Project {policy.project!r} keeps its spans {_kept(policy.days)}.")


def _kept(days: int | None) -> str:
    return "forever" if days is None else f"for {days} day{'s' if days != 1 else ''}"


@click.group()
def keys() -> None:
    """Create, list and revoke API keys (for the console API and the OTLP collector).

    \b
    Example:
      otel-llm keys create --project default --role editor
      otel-llm keys list --project default
    """


@keys.command("create")
@click.option("--project", required=True, help="Project the key belongs to.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(ROLES),
    help="viewer reads; editor also writes; admin also manages.",
)
@click.option("--name", default="", help="A label, e.g. the app or person using it.")
@click.pass_context
def create_key(ctx: click.Context, project: str, role: str, name: str) -> None:
    """Create an API key; the key is printed once and cannot be shown again.

    \b
    Example:
      otel-llm keys create --project support-bot --role editor --name ci
    """
    from otel_llm import accounts

    info, token = _run(accounts.create_key, migrated_engine(ctx), project, role, name)
    click.echo(token)
    click.echo(
        f"Key {info.id} ({info.role} on {info.project_name!r}). Store it now: it is not shown again, "
        "only its hash is kept.",
        err=True,
    )


@keys.command("list")
@click.option("--project", required=True, help="Project whose keys to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_keys(ctx: click.Context, project: str, as_json: bool) -> None:
    """List a project's keys (never the secrets).

    \b
    Example:
      otel-llm keys list --project support-bot
    """
    from otel_llm import accounts

    found = _run(accounts.list_keys, migrated_engine(ctx), project)
    if as_json:
        fields = ("id", "name", "role", "prefix", "created_at", "last_used_at", "revoked_at")
        data = [
            {f: _when(getattr(k, f)) if f.endswith("_at") else getattr(k, f) for f in fields} for k in found
        ]
        click.echo(json.dumps(data, indent=2))
        return
    if not found:
        click.echo(
            f"No keys in {project!r}; create one with `otel-llm keys create --project {project} --role viewer`."
        )
        return
    click.echo(f"{'ID':>5}  {'KEY':<16} {'ROLE':<7} {'NAME':<20} {'LAST USED':<21} STATE")
    for k in found:
        state = f"revoked {_when(k.revoked_at)}" if k.revoked else "active"
        click.echo(
            f"{k.id:>5}  {k.display:<16} {k.role:<7} {k.name[:20]:<20} {_when(k.last_used_at):<21} {state}"
        )


@keys.command("revoke")
@click.argument("key")
@click.option("--project", default=None, help="Only look for the key in this project.")
@click.pass_context
def revoke_key(ctx: click.Context, key: str, project: str | None) -> None:
    """Revoke KEY, given by id or prefix (as `keys list` shows it). Takes effect at once.

    \b
    Example:
      otel-llm keys revoke 3
      otel-llm keys revoke ollm_1a2b3c4d
    """
    from otel_llm import accounts

    info = _run(accounts.revoke_key, migrated_engine(ctx), key, project)
    click.echo(f"Revoked key {info.id} ({info.display}, {info.role} on {info.project_name!r}).")
