"""``otel-llm worker``: the background process that applies online evaluation rules."""

from __future__ import annotations

import time

import click
from otel_llm_server.cli.db import db_engine
from otel_llm_server.cli.errors import friendly

from otel_llm.evaluation.errors import EvaluationError


@click.command()
@click.option("--interval", default=30.0, show_default=True, type=float, help="Seconds between passes.")
@click.option("--once", is_flag=True, help="One pass over every rule, then exit.")
@click.option(
    "--base-url",
    envvar="OTEL_LLM_MOCK_URL",
    help="Send judge calls to this provider URL (the local provider) [env: OTEL_LLM_MOCK_URL].",
)
@click.pass_context
@friendly(EvaluationError)
def worker(ctx: click.Context, interval: float, once: bool, base_url: str | None) -> None:
    """Apply online evaluation rules: judge a share of new production spans, within daily caps.

    Every project's enabled rules (`otel-llm eval rules`), every --interval seconds; the verdicts
    are scores on the spans. Run one worker per database.

    \b
    Example:
      otel-llm worker --interval 60
    """
    from otel_llm.evaluation import online

    engine = db_engine(ctx)
    while True:
        for report in online.apply_all(engine, base_url=base_url):
            if report.judged or report.capped:
                capped = " (daily cost cap reached)" if report.capped else ""
                click.echo(
                    f"rule {report.rule}: {report.judged} of {report.considered} new spans judged, "
                    f"{report.errors} evaluator errors, ${report.cost_usd:.4f}{capped}"
                )
        if once:
            return
        time.sleep(interval)
