"""``otel-llm scores``: named, typed scores on spans and traces, and their configs (``otel_llm.scores``)."""

from __future__ import annotations

import click
from otel_llm_server.cli import output
from otel_llm_server.cli.dbcheck import migrated_engine

from otel_llm import settings
from otel_llm.storage.vocabulary import DATA_TYPES, SCORE_SOURCES

# The scores service (and SQLAlchemy) is imported by each command, so that --help stays fast.


def _project_id(ctx: click.Context, engine, create: bool = False) -> int:
    from otel_llm.accounts import ProjectNotFound, require_project
    from otel_llm.prompts import catalog

    name = settings.project(ctx.obj.get("project"))
    if create:
        return catalog.project_id(engine, name, create=True)
    try:
        return require_project(engine, name).id
    except ProjectNotFound as exc:
        raise click.ClickException(str(exc)) from exc


@click.group("scores")
@click.option("--project", "-p", help="Project [env: OTEL_LLM_PROJECT; default: default].")
@click.pass_context
def scores_group(ctx: click.Context, project: str | None) -> None:
    """Scores on spans and traces: declare them, add them, list them.

    \b
    Example:
      otel-llm scores config set helpfulness --type numeric --min 1 --max 5
      otel-llm scores add 5f1c0e2a9b3d4c71 helpfulness 4 --comment "clear answer"
      otel-llm scores list --name helpfulness
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project


@scores_group.command("add")
@click.argument("target", metavar="SPAN_OR_TRACE_ID")
@click.argument("name")
@click.argument("value")
@click.option("--comment", "-c", help="Why this score.")
@click.pass_context
def add(ctx: click.Context, target: str, name: str, value: str, comment: str | None) -> None:
    """Record score NAME = VALUE on a span (16 hex digits) or a trace (32 hex digits).

    VALUE is checked against the score's config: a number on its scale, true/false, or a category.

    \b
    Example:
      otel-llm scores add 3f2a9c1d5e6b7a80 helpfulness 4 --comment "solved it"
      otel-llm scores add 0af7651916cd43dd8448eb211c80319c exact true
    """
    from otel_llm import scores

    engine = migrated_engine(ctx)
    try:
        parsed = scores.parse_target(target)
        stored = scores.add_score(
            engine,
            _project_id(ctx, engine, create=True),
            name,
            value,
            span_id=parsed.span_id,
            trace_id=parsed.trace_id,
            comment=comment,
            source="human",
            source_name="cli",
            author="cli",
        )
    except scores.ScoreError as exc:
        raise click.ClickException(str(exc)) from exc
    on = f"span {stored.span_id}" if stored.span_id else f"trace {stored.trace_id}"
    click.echo(f"Recorded {stored.name} = {stored.display} on {on} (score {stored.id}).")


@scores_group.command("list")
@click.argument("target", metavar="[SPAN_OR_TRACE_ID]", required=False)
@click.option("--name", help="Only this score name.")
@click.option("--source", type=click.Choice(SCORE_SOURCES), help="Only human, api or evaluator scores.")
@click.option(
    "--limit", type=click.IntRange(1, 1000), default=50, show_default=True, help="How many, newest first."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_command(
    ctx: click.Context, target: str | None, name: str | None, source: str | None, limit: int, as_json: bool
) -> None:
    """List scores, newest first (of one span or trace when given).

    \b
    Example:
      otel-llm scores list --name helpfulness
      otel-llm scores list 0af7651916cd43dd8448eb211c80319c --json
    """
    from otel_llm import scores

    engine = migrated_engine(ctx)
    try:
        parsed = scores.parse_target(target) if target else None
    except scores.ScoreError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = scores.list_scores(
        engine, _project_id(ctx, engine), name=name, target=parsed, source=source, limit=limit
    )
    if as_json:
        return output.print_json([s.to_dict() for s in rows])
    if not rows:
        return click.echo("No scores yet. Add one with `otel-llm scores add SPAN_ID NAME VALUE`.")
    for s in rows:
        on = f"span {s.span_id}" if s.span_id else f"trace {s.trace_id}"
        when = output.iso(s.created_at) if s.created_at else ""
        click.echo(
            output.safe(
                f"{when:<20} {s.name[:24]:<24} {s.display[:12]:>12}  {s.given_by[:20]:<20} {on}  {s.comment or ''}"
            )
        )


@scores_group.command("delete")
@click.argument("score_id", type=click.IntRange(1))
@click.pass_context
def delete(ctx: click.Context, score_id: int) -> None:
    """Remove one score (its id is in `otel-llm scores list --json`).

    \b
    Example:
      otel-llm scores delete 42
    """
    from otel_llm import scores

    engine = migrated_engine(ctx)
    try:
        scores.delete_score(engine, _project_id(ctx, engine), score_id)
    except scores.ScoreError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Removed score {score_id}.")


@scores_group.group("config")
def config() -> None:
    """Declare score names: type, scale, categories.

    \b
    Example:
      otel-llm scores config set helpfulness --type numeric --min 1 --max 5
      otel-llm scores config list
    """


@config.command("set")
@click.argument("name")
@click.option("--type", "data_type", type=click.Choice(DATA_TYPES), required=True, help="What kind of value.")
@click.option("--min", "min_value", type=float, help="Lowest numeric value (inclusive).")
@click.option("--max", "max_value", type=float, help="Highest numeric value (inclusive).")
@click.option(
    "--category", "categories", multiple=True, help="A category of a categorical score; repeatable."
)
@click.option("--description", default="", help="What the score means, for the people giving it.")
@click.pass_context
def config_set(
    ctx: click.Context,
    name: str,
    data_type: str,
    min_value: float | None,
    max_value: float | None,
    categories: tuple[str, ...],
    description: str,
) -> None:
    """Declare score NAME, or change its declaration (not its type once it has scores).

    \b
    Example:
      otel-llm scores config set helpfulness --type numeric --min 1 --max 5
      otel-llm scores config set exact --type boolean
      otel-llm scores config set tone --type categorical --category friendly --category rude
    """
    from otel_llm import scores

    engine = migrated_engine(ctx)
    try:
        declared = scores.define_config(
            engine,
            _project_id(ctx, engine, create=True),
            name,
            data_type,
            min_value=min_value,
            max_value=max_value,
            categories=categories or None,
            description=description,
            actor="cli",
        )
    except scores.ScoreError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Score {declared.name}: {declared.data_type}, {declared.scale}.")


@config.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def config_list(ctx: click.Context, as_json: bool) -> None:
    """List the project's score configs.

    \b
    Example:
      otel-llm scores config list --json
    """
    from otel_llm import scores

    engine = migrated_engine(ctx)
    configs = scores.list_configs(engine, _project_id(ctx, engine))
    if as_json:
        return output.print_json([c.to_dict() for c in configs])
    if not configs:
        return click.echo(
            "No scores declared. Declare one with `otel-llm scores config set NAME --type numeric`."
        )
    for c in configs:
        click.echo(output.safe(f"{c.name[:30]:<30} {c.data_type:<12} {c.scale[:40]:<40} {c.description}"))
