"""``otel-llm prices``: the price book, per-project prices, repricing stored spans, missing prices."""

from __future__ import annotations

import getpass
import json
from datetime import datetime

import click
from otel_llm_server.cli.errors import friendly
from otel_llm_server.cli.traces import _since_type

from otel_llm import settings

# The pricing services (and SQLAlchemy) are imported by each command, so that --help stays fast.
_friendly = friendly("otel_llm.pricing.custom:PricingError", "otel_llm.accounts.errors:AccountError")
RATE_OPTIONS = (
    ("--input", "input", "USD per 1M input tokens (required)."),
    ("--output", "output", "USD per 1M output tokens (required)."),
    ("--cache-read", "cache_read", "USD per 1M cached input tokens read [default: the input rate]."),
    (
        "--cache-write",
        "cache_write",
        "USD per 1M input tokens written to the cache [default: the input rate].",
    ),
    ("--reasoning", "reasoning", "USD per 1M reasoning tokens [default: the output rate]."),
)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no $USER and no passwd entry (containers)
        return "cli"


def _project(ctx: click.Context):
    from otel_llm_server.cli.dbcheck import migrated_engine

    from otel_llm.accounts.projects import require_project

    engine = migrated_engine(ctx)
    return engine, require_project(engine, settings.project(ctx.obj.get("project"))).id


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@click.group()
@click.option("--project", "-p", help="Project [env: OTEL_LLM_PROJECT; default: default].")
@click.pass_context
def prices(ctx: click.Context, project: str | None) -> None:
    """Model prices: look one up, set the project's own, reprice stored spans, list missing ones.

    Costs come from the project's own prices first, then OTEL_LLM_PRICING_FILE, then the shipped
    price book (about 1,900 models). Prices are USD per 1M tokens; a span is priced as of its start.

    \b
    Example:
      otel-llm prices show gpt-4o-mini
      otel-llm prices set ft:gpt-4o-mini:acme:* --input 0.3 --output 1.2
      otel-llm prices reprice --since 30d
      otel-llm prices missing
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project


@prices.command()
@click.argument("model")
@click.option("--provider", help="The span's provider (gen_ai.provider.name), e.g. gcp.gemini.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@_friendly
def show(ctx: click.Context, model: str, provider: str | None, as_json: bool) -> None:
    """The price MODEL is costed at now, and where it comes from (project, file or book).

    \b
    Example:
      otel-llm prices show claude-sonnet-4-5-20250929
      otel-llm prices show gemini-2.5-flash --provider gcp.gemini --json
    """
    from otel_llm.pricing.custom import table_for

    engine, project_id = _project(ctx)
    found = table_for(engine, project_id).lookup(model, provider)
    if found is None:
        raise click.ClickException(
            f"no price for {model}; set one with `otel-llm prices set {model} --input … --output …`."
        )
    price, source = found
    rates = {k: getattr(price, k) for k in ("input", "output", "cache_read", "cache_write", "reasoning")}
    if as_json:
        return click.echo(json.dumps({"model": model, "source": source, **rates}, indent=2))
    click.echo(f"{model}  ({source})  USD per 1M tokens")
    for name, value in rates.items():
        if value is not None:
            shown = value if isinstance(value, float) else f"{value[0]:g}, tiers {list(value[1])}"
            click.echo(f"  {name:12} {shown}")


@prices.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@_friendly
def list_command(ctx: click.Context, as_json: bool) -> None:
    """The project's own prices (they override the book from their effective date).

    \b
    Example:
      otel-llm prices list --json
    """
    from otel_llm.pricing.custom import list_prices

    engine, project_id = _project(ctx)
    rows = list_prices(engine, project_id)
    if as_json:
        return click.echo(json.dumps([r.as_dict() for r in rows], indent=2))
    if not rows:
        return click.echo("No project prices; costs come from the price book (`otel-llm prices show MODEL`).")
    click.echo(
        f"{'id':>4}  {'model':30} {'provider':14} {'input':>8} {'output':>8} {'cache r':>8} {'cache w':>8}  from"
    )
    for r in rows:
        when = r.effective_from.isoformat(timespec="seconds") if r.effective_from else "always"
        click.echo(
            f"{r.id:>4}  {r.model:30} {r.provider or '':14} {_rate(r.rates['input']):>8} "
            f"{_rate(r.rates['output']):>8} {_rate(r.rates['cache_read']):>8} {_rate(r.rates['cache_write']):>8}  {when}"
        )


def _rate_options(command):
    for flag, name, text in reversed(RATE_OPTIONS):
        command = click.option(flag, name, type=click.FloatRange(min=0), help=text)(command)
    return command


@prices.command("set")
@click.argument("model")
@_rate_options
@click.option("--provider", help="Only for spans of this provider (gen_ai.provider.name).")
@click.option(
    "--from",
    "effective_from",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]),
    help="When the price takes effect (UTC) [default: now]. Earlier calls keep their price.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the stored price as JSON.")
@click.pass_context
@_friendly
def set_command(
    ctx: click.Context, model: str, provider, effective_from: datetime | None, as_json: bool, **rates
):
    """Set the project's price of MODEL (`*` matches any text, e.g. `ft:gpt-4o-mini:*`).

    New spans are costed with it at once; stored spans keep their cost until `otel-llm prices reprice`.

    \b
    Example:
      otel-llm prices set house-llm --input 0.2 --output 0.8
      otel-llm prices set gpt-4o --input 2 --output 8 --from 2026-12-01
    """
    from otel_llm.pricing.custom import set_price

    engine, project_id = _project(ctx)
    stored = set_price(
        engine, project_id, model, actor=_actor(), provider=provider, effective_from=effective_from, **rates
    )
    if as_json:
        return click.echo(json.dumps(stored.as_dict(), indent=2))
    click.echo(
        f"Price {stored.id} set: {stored.model} at {stored.rates['input']:g} in / {stored.rates['output']:g} out "
        f"USD per 1M tokens from {stored.effective_from.isoformat(timespec='seconds')}. "
        "Stored spans keep their cost until `otel-llm prices reprice --since …` (calls before that date "
        "keep their earlier price; `--from` dates a price back)."
    )


@prices.command("remove")
@click.argument("price_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the removed price as JSON.")
@click.pass_context
@_friendly
def remove_command(ctx: click.Context, price_id: int, as_json: bool) -> None:
    """Remove project price PRICE_ID (see `otel-llm prices list`).

    \b
    Example:
      otel-llm prices remove 3
    """
    from otel_llm.pricing.custom import remove_price

    engine, project_id = _project(ctx)
    removed = remove_price(engine, project_id, price_id)
    if as_json:
        return click.echo(json.dumps(removed.as_dict(), indent=2))
    click.echo(f"Removed price {removed.id} ({removed.model}).")


@prices.command("reprice")
@click.option(
    "--since", type=_since_type, required=True, help="Spans started since: 30m, 12h, 7d or an ISO date."
)
@click.option("--until", type=_since_type, help="Spans started before this (same forms).")
@click.option("--model", help="Only spans of this model.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON (no progress bar).")
@click.pass_context
@_friendly
def reprice_command(ctx: click.Context, since: datetime, until, model, as_json: bool) -> None:
    """Recompute the cost of stored LLM spans from their tokens, in batches, with today's prices table.

    Each span is priced as of its own start, so a price with a later effective date leaves it alone.

    \b
    Example:
      otel-llm prices reprice --since 30d
      otel-llm prices reprice --since 2026-11-01 --model house-llm --json
    """
    from otel_llm.pricing.reprice import count_spans, reprice

    engine, project_id = _project(ctx)
    if as_json:
        result = reprice(engine, project_id, since, until=until, model=model)
        return click.echo(json.dumps(result.as_dict(), indent=2))
    total = count_spans(engine, project_id, since, until, model)
    with click.progressbar(length=total, label="Repricing", show_pos=True) as bar:
        result = reprice(engine, project_id, since, until=until, model=model, on_batch=bar.update)
    click.echo(
        f"{result.changed} of {result.scanned} spans changed cost: "
        f"{result.cost_before:.6f} -> {result.cost_after:.6f} USD in all."
    )


@prices.command("missing")
@click.option("--since", type=_since_type, help="Only spans started since: 30m, 12h, 7d or an ISO date.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@_friendly
def missing_command(ctx: click.Context, since, as_json: bool) -> None:
    """Models of stored LLM calls that have tokens but no price, most calls first.

    \b
    Example:
      otel-llm prices missing --since 7d
    """
    from otel_llm.pricing.reprice import missing_prices

    engine, project_id = _project(ctx)
    rows = missing_prices(engine, project_id, since)
    if as_json:
        return click.echo(json.dumps([r.as_dict() for r in rows], indent=2))
    if not rows:
        return click.echo("Every stored LLM call with tokens has a price.")
    for r in rows:
        last = r.last_seen.isoformat(timespec="seconds") if r.last_seen else ""
        click.echo(f"no price for {r.model:30} {r.provider or '':14} {r.calls:>7} calls  last {last}")
    click.echo(
        "Set one with `otel-llm prices set MODEL --input … --output …`, then `otel-llm prices reprice`."
    )
