"""``otel-llm feedback``: scores on spans and traces (the same service as ``otel_llm.record_feedback``)."""

from __future__ import annotations

import click
from otel_llm_server.cli.dbcheck import migrated_engine
from otel_llm_server.cli.output import JSON_OPTION, iso, print_json

from otel_llm import settings

# The feedback service (and SQLAlchemy) is imported by each command, so that --help stays fast.


def _engine(ctx: click.Context):
    return migrated_engine(ctx)


@click.group()
@click.option("--project", "-p", help="Project [env: OTEL_LLM_PROJECT; default: default].")
@click.pass_context
def feedback(ctx: click.Context, project: str | None) -> None:
    """Feedback scores on spans and traces.

    \b
    Example:
      otel-llm feedback add 5f1c0e2a9b3d4c71 0.9 --comment "good answer"
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project


@feedback.command()
@click.argument("target", metavar="SPAN_OR_TRACE_ID")
@click.argument("score", type=float)
@click.option("--comment", "-c", help="Why this score.")
@JSON_OPTION
@click.pass_context
def add(ctx: click.Context, target: str, score: float, comment: str | None, as_json: bool) -> None:
    """Record SCORE on a span (16 hex digits) or a trace (32 hex digits).

    \b
    Example:
      otel-llm feedback add 3f2a9c1d5e6b7a80 1 --comment "solved it"
      otel-llm feedback add 0af7651916cd43dd8448eb211c80319c -1 --json
    """
    from otel_llm.feedback import FeedbackError, add_feedback, parse_target
    from otel_llm.prompts import catalog

    try:
        parsed = parse_target(target)
        engine = _engine(ctx)
        project_id = catalog.project_id(engine, settings.project(ctx.obj.get("project")), create=True)
        stored = add_feedback(engine, project_id, parsed, score, comment, source="cli")
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        return print_json(stored.to_dict())
    on = f"span {stored.span_id}" if stored.span_id else f"trace {stored.trace_id}"
    click.echo(f"Recorded score {stored.score:g} on {on}.")


@feedback.command("list")
@click.argument("target", metavar="[SPAN_OR_TRACE_ID]", required=False)
@click.option("--limit", default=50, show_default=True, help="How many, newest first.")
@JSON_OPTION
@click.pass_context
def list_command(ctx: click.Context, target: str | None, limit: int, as_json: bool) -> None:
    """List feedback, newest first (of one span or trace when given).

    \b
    Example:
      otel-llm feedback list
      otel-llm feedback list 0af7651916cd43dd8448eb211c80319c --json
    """
    from otel_llm.feedback import FeedbackError, list_feedback, parse_target
    from otel_llm.prompts import catalog
    from otel_llm.prompts.errors import PromptError

    try:
        parsed = parse_target(target) if target else None
        engine = _engine(ctx)
        project_id = catalog.project_id(engine, settings.project(ctx.obj.get("project")))
    except (FeedbackError, PromptError) as exc:
        raise click.ClickException(str(exc)) from exc
    rows = list_feedback(engine, project_id, parsed, limit=limit)
    if as_json:
        return print_json([f.to_dict() for f in rows])
    for f in rows:
        on = f"span {f.span_id}" if f.span_id else f"trace {f.trace_id}"
        when = iso(f.created_at, missing="")
        click.echo(f"{when}  {f.score:>6g}  {f.source:8} {on}  {f.comment or ''}")
