"""``otel-llm replay``: send a stored LLM call again, as it was or with overrides, and compare.

Every command calls the replay service (``otel_llm.replay``), the same one the console and the JSON
API use, and only formats its result (``cli.replay_output``).
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from otel_llm_server.cli import replay_output as out
from otel_llm_server.cli.dbcheck import migrated_engine
from otel_llm_server.cli.errors import friendly
from otel_llm_server.cli.output import iso, to_json

from otel_llm import providers, settings
from otel_llm.replay import Overrides, ReplayError

SUBCOMMANDS = ("batch", "runs", "show", "list")


class ReplayGroup(click.Group):
    """``otel-llm replay SPAN_ID …`` replays one span; ``otel-llm replay batch|runs|show|list`` the rest."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        position = _first_argument(args)
        if position is not None and args[position] not in self.commands:
            args = [*args[:position], "span", *args[position:]]
        return super().parse_args(ctx, args)


def _first_argument(args: list[str]) -> int | None:
    """Index of the first positional argument after the group's own options (``-p NAME``)."""
    skip = False
    for index, arg in enumerate(args):
        if skip:
            skip = False
        elif arg in ("-p", "--project"):
            skip = True
        elif not arg.startswith("-"):
            return index
    return None


_friendly = friendly(ReplayError, "otel_llm.accounts.errors:AccountError")


def _context(ctx: click.Context) -> tuple[Any, int]:
    from otel_llm.accounts.projects import require_project

    engine = migrated_engine(ctx)
    return engine, require_project(engine, settings.project(ctx.obj.get("project"))).id


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _system_text(text: str | None, path: str | None) -> str | None:
    if text is not None and path is not None:
        raise click.UsageError("give --system-prompt or --system-prompt-file, not both.")
    if path is None:
        return text
    try:
        return (
            click.open_file(path, encoding="utf-8").read() if path == "-" else Path(path).read_text("utf-8")
        )
    except OSError as exc:
        raise click.ClickException(f"cannot read the system prompt file {path}: {exc.strerror}.") from exc


def _overrides(model, provider, temperature, max_tokens, system, system_file, prompt, no_cache) -> Overrides:
    return Overrides(
        model=model,
        provider=provider,  # none: a --model of another provider (claude-*) is sent to that provider
        temperature=temperature,
        max_tokens=max_tokens,
        system_prompt=_system_text(system, system_file),
        prompt=prompt,
        no_cache=no_cache,
    )


def _common_overrides(command: Callable) -> Callable:
    options = [
        click.option(
            "--temperature",
            type=float,  # the service checks the range (each provider's own)
            help="Sampling temperature to use (each provider's own range applies).",
        ),
        click.option("--max-tokens", type=click.IntRange(min=1), help="Output token limit to use."),
        click.option("--system-prompt", "system", metavar="TEXT", help="System prompt to use instead."),
        click.option(
            "--system-prompt-file",
            "system_file",
            type=click.Path(dir_okay=False, allow_dash=True),
            help="File holding the system prompt to use instead ('-' = stdin).",
        ),
        click.option(
            "--no-cache", is_flag=True, help="Remove prompt-cache markers (cache_control, prompt_cache_key…)."
        ),
        click.option("--json", "as_json", is_flag=True, help="Print JSON."),
        click.option(
            "--base-url",
            envvar="OTEL_LLM_MOCK_URL",
            help="Send the calls to this provider URL (the local provider) [env: OTEL_LLM_MOCK_URL].",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


class ProviderChoice(click.Choice):
    """The registered providers, read when an option is parsed or shown: loading every adapter when
    the module is imported would slow down every ``otel-llm replay`` command's start."""

    def __init__(self) -> None:
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        return providers.names()

    @choices.setter
    def choices(self, _value) -> None:
        pass


PROVIDER_CHOICE = ProviderChoice()


@click.group(cls=ReplayGroup, invoke_without_command=False)
@click.option("--project", "-p", help="Project [env: OTEL_LLM_PROJECT; default: default].")
@click.pass_context
def replay(ctx: click.Context, project: str | None) -> None:
    """Replay stored LLM calls, alone or in batches, with overrides, and diff the outcome.

    \b
    One span (options: otel-llm replay SPAN_ID --help):
      otel-llm replay SPAN_ID [--model M] [--provider P]
        [--temperature T] [--max-tokens N] [--system-prompt TEXT |
        --system-prompt-file F | --prompt NAME@vN] [--no-cache] [--base-url URL]
        [--dry-run] [--json]

    \b
    Example:
      otel-llm replay 3f9a1c2b4d5e6f70 --model gpt-4o --temperature 0.2
      otel-llm replay batch --prompt support@v3 --with-model gpt-4o --limit 50
      otel-llm replay runs
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project


@replay.command("span", hidden=True)
@click.argument("span_id")
@click.option(
    "--model", help="Model to use instead of the original (claude-* goes to Anthropic, gpt-* to OpenAI)."
)
@click.option("--provider", type=PROVIDER_CHOICE, help="Send to this provider (translating the request).")
@click.option("--prompt", metavar="NAME@vN", help="Use this prompt-registry version as the system prompt.")
@_common_overrides
@click.option("--dry-run", is_flag=True, help="Print the request that would be sent; send nothing.")
@click.pass_context
@_friendly
def span(
    ctx,
    span_id,
    model,
    provider,
    prompt,
    temperature,
    max_tokens,
    system,
    system_file,
    no_cache,
    as_json,
    base_url,
    dry_run,
):
    """Replay one stored span: rebuild its request, apply the overrides, send it, diff the outcome.

    With no override the very same request is sent again. Coloured on a terminal, plain when
    piped; --json for scripts. Exits 1 when the provider fails (the failed replay is recorded).

    \b
    Example:
      otel-llm replay 3f9a1c2b4d5e6f70 --model gpt-4o --temperature 0.2
      otel-llm replay 3f9a1c2b4d5e6f70 --provider anthropic --model claude-haiku-4-5 --dry-run
      otel-llm replay 3f9a1c2b4d5e6f70 --prompt support@v4 --no-cache --json
      otel-llm replay 3f9a1c2b4d5e6f70 --model claude-haiku-4-5 --base-url http://127.0.0.1:8765
    """
    from otel_llm.replay.run import replay_span

    overrides = _overrides(model, provider, temperature, max_tokens, system, system_file, prompt, no_cache)
    engine, project_id = _context(ctx)
    result = replay_span(
        engine, project_id, span_id, overrides, actor=_actor(), dry_run=dry_run, base_url=base_url
    )
    data = result.to_json()
    if as_json:
        click.echo(to_json(data))
    elif dry_run:
        click.echo("\n".join(out.dry_run_report(data)))
        click.echo(json.dumps(data["request"]["params"], indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(out.replay_report(data, out.colour_wanted())))
    if result.status == "error":
        ctx.exit(1)


@replay.command()
@click.option(
    "--trace",
    "trace_id",
    metavar="TRACE_ID",
    help="Replay every LLM call of this trace, in order (instead of a selection); the app's own code "
    "and tools are not re-run.",
)
@click.option("--prompt", metavar="NAME[@vN]", help="Select spans of this prompt (version or label).")
@click.option("--model", help="Select spans of this model.")
@click.option("--provider", type=PROVIDER_CHOICE, help="Select spans of this provider.")
@click.option("--since", metavar="AGE", help="Select spans newer than this (30m, 12h, 7d, 2w).")
@click.option("--experiment", help="Select spans of this experiment.")
@click.option("--variant", help="Select spans of this experiment variant.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Spans to replay.")
@click.option("--with-model", "to_model", help="Override: model to use.")
@click.option("--with-provider", "to_provider", type=PROVIDER_CHOICE, help="Override: provider to send to.")
@click.option(
    "--with-prompt", "to_prompt", metavar="NAME@vN", help="Override: prompt version as system prompt."
)
@_common_overrides
@click.option(
    "--concurrency", type=click.IntRange(1, 16), default=4, show_default=True, help="Replays at once."
)
@click.option(
    "--evaluator",
    "evaluators",
    multiple=True,
    help="Judge each replay against its original's output (scores on the replay's span): similarity, "
    "judge:correctness… (see `otel-llm eval`).",
)
@click.pass_context
@_friendly
def batch(
    ctx,
    trace_id,
    prompt,
    model,
    provider,
    since,
    experiment,
    variant,
    limit,
    to_model,
    to_provider,
    to_prompt,
    temperature,
    max_tokens,
    system,
    system_file,
    no_cache,
    as_json,
    base_url,
    concurrency,
    evaluators,
):
    """Replay a selection of stored spans with the same overrides (a regression run).

    Selection options pick the spans (newest first); --with-* and the other options are the
    overrides. The run's summary is stored: see `otel-llm replay runs` and `replay show RUN_ID`.

    \b
    Example:
      otel-llm replay batch --prompt support@v3 --since 7d --limit 50 --with-model gpt-4o
      otel-llm replay batch --model gpt-4o-mini --limit 20 --temperature 0 --json
      otel-llm replay batch --prompt support --with-prompt support@v4 --evaluator similarity
      otel-llm replay batch --trace 4bf92f3577b34da6a3ce929d0e0e4736 --with-model gpt-4o
    """
    from otel_llm.replay import batch as batch_service

    chosen = [
        name
        for name, value in (
            ("--prompt", prompt),
            ("--model", model),
            ("--provider", provider),
            ("--since", since),
            ("--experiment", experiment),
            ("--variant", variant),
        )
        if value
    ]
    if trace_id and chosen:
        raise click.UsageError(f"--trace replays the whole trace; leave out {', '.join(chosen)}.")
    selection = batch_service.Selection(
        trace_id=trace_id,
        limit=batch_service.MAX_LIMIT if trace_id else limit,
        prompt=prompt,
        model=model,
        provider=provider,
        since=since,
        experiment=experiment,
        variant=variant,
    )
    overrides = _overrides(
        to_model, to_provider, temperature, max_tokens, system, system_file, to_prompt, no_cache
    )
    engine, project_id = _context(ctx)
    actor = _actor()
    judging = _judging(engine, project_id, evaluators, base_url)
    plan = batch_service.plan(engine, project_id, selection, overrides, actor)
    stderr = sys.stderr
    with click.progressbar(length=len(plan.span_ids), label=f"Replay run {plan.run_id}", file=stderr) as bar:
        run = batch_service.execute(
            engine,
            project_id,
            plan,
            overrides,
            actor,
            concurrency=concurrency,
            base_url=base_url,
            progress=lambda *_: bar.update(1),
            judging=judging,
        )
    _print_run(engine, project_id, run, as_json)


def _judging(engine, project_id: int, evaluators: tuple[str, ...], base_url: str | None):
    if not evaluators:
        return None
    from otel_llm.evaluation.attached import SpanJudging
    from otel_llm.evaluation.errors import EvaluationError

    try:
        return SpanJudging(engine, project_id, evaluators, base_url=base_url)
    except EvaluationError as exc:
        raise click.ClickException(str(exc)) from exc


def _print_run(engine, project_id: int, run: dict, as_json: bool, items: bool = False) -> None:
    from otel_llm.replay import store

    rows = store.list_replays(engine, project_id, run_id=run["id"], limit=1000) if items else []
    if as_json:
        data = {**run, "replays": rows} if items else run
        click.echo(to_json(data))
    else:
        click.echo("\n".join(out.run_report(run, rows)))


@replay.command()
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@_friendly
def runs(ctx, limit, as_json):
    """List batch replay runs, newest first.

    \b
    Example:
      otel-llm replay runs --limit 5
    """
    from otel_llm.replay import store

    engine, project_id = _context(ctx)
    items = store.list_runs(engine, project_id, limit)
    if as_json:
        click.echo(to_json(items))
        return
    if not items:
        click.echo("No replay runs yet. Start one with `otel-llm replay batch --limit 20 --with-model M`.")
        return
    click.echo(out.RUN_HEADER)
    for run in items:
        click.echo(out.run_line(run))


@replay.command()
@click.argument("run_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@_friendly
def show(ctx, run_id, as_json):
    """Show a batch replay run: its summary and every replay in it.

    \b
    Example:
      otel-llm replay show 12
    """
    from otel_llm.replay import store

    engine, project_id = _context(ctx)
    run = store.get_run(engine, project_id, run_id)
    if run is None:
        raise click.ClickException(
            f"no replay run {run_id} in this project; list them with `otel-llm replay runs`."
        )
    _print_run(engine, project_id, run, as_json, items=True)


@replay.command("list")
@click.option("--span", "span_id", help="Only replays of this original span.")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@_friendly
def list_(ctx, span_id, limit, as_json):
    """List single replays (not part of a batch run), newest first.

    \b
    Example:
      otel-llm replay list --span 3f9a1c2b4d5e6f70
    """
    from otel_llm.replay import store

    engine, project_id = _context(ctx)
    items = store.list_replays(engine, project_id, original_span_id=span_id, singles_only=True, limit=limit)
    if as_json:
        click.echo(to_json(items))
        return
    if not items:
        click.echo("No replays yet. Replay a span with `otel-llm replay SPAN_ID --model M`.")
        return
    click.echo(
        f"{'id':>6}  {'created':<20}  {'original span':<16}  {'replay span':<16}  {'status':<6}  overrides"
    )
    for item in items:
        click.echo(
            f"{item['id']:>6}  {iso(item['created_at']):<20}  {item['original_span_id']:<16}  "
            f"{item['replay_span_id'] or '—':<16}  {item['status']:<6}  "
            + (", ".join(f"{k}={v}" for k, v in item["overrides"].items()) or "none")
        )
