"""``otel-llm worker``: the background process that applies online evaluation rules and delivers
webhooks (``otel_llm.webhooks.sender``, in a thread of its own, every few seconds).

``otel-llm web --worker`` runs the same loop in a thread of the console process, for small installs;
``otel-llm web`` delivers webhooks itself unless started with ``--no-webhooks``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import click
from otel_llm_server.cli.db import db_engine, run_maintenance
from otel_llm_server.cli.errors import friendly

from otel_llm.evaluation.errors import EvaluationError

if TYPE_CHECKING:
    from sqlalchemy import Engine

log = logging.getLogger(__name__)

MAINTAIN_EVERY_SECONDS = 3600.0


@click.command()
@click.option("--interval", default=30.0, show_default=True, type=float, help="Seconds between passes.")
@click.option("--once", is_flag=True, help="One pass over every rule, then exit.")
@click.option(
    "--base-url",
    envvar="OTEL_LLM_MOCK_URL",
    help="Send judge calls to this provider URL (the local provider) [env: OTEL_LLM_MOCK_URL].",
)
@click.option(
    "--maintain-every",
    default=MAINTAIN_EVERY_SECONDS,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds between maintenance passes (`otel-llm db maintain`: retention, partitions); 0: never.",
)
@click.pass_context
@friendly(EvaluationError)
def worker(
    ctx: click.Context, interval: float, once: bool, base_url: str | None, maintain_every: float
) -> None:
    """Apply online evaluation rules: judge a share of new production spans, within daily caps.

    Every project's enabled rules (`otel-llm eval rules`), every --interval seconds; the verdicts
    are scores on the spans. Every --maintain-every seconds it also runs `otel-llm db maintain`
    (each project's retention, Postgres partitions), and it delivers the projects' webhooks
    (`otel-llm webhooks`), with retries. Run one worker per database (or `otel-llm web --worker`).

    \b
    Example:
      otel-llm worker --interval 60
    """
    from otel_llm.webhooks import sender

    engine = db_engine(ctx)
    if once:
        apply_rules(engine, base_url, click.echo)
        sender.deliver_due(engine)
        if maintain_every:
            run_maintenance(engine, echo=click.echo)
        return
    _, stop_webhooks = sender.start_background(engine)
    try:
        run_loop(engine, base_url, interval, threading.Event(), click.echo, maintain_every=maintain_every)
    finally:
        stop_webhooks.set()


def apply_rules(engine: Engine, base_url: str | None, echo: Callable[[str], None]) -> None:
    """One pass over every project's enabled rules, reporting the rules that judged or are capped."""
    from otel_llm.evaluation import online

    for report in online.apply_all(engine, base_url=base_url):
        if report.judged or report.capped:
            capped = " (daily cost cap reached)" if report.capped else ""
            echo(
                f"rule {report.rule}: {report.judged} of {report.considered} new spans judged, "
                f"{report.errors} evaluator errors, ${report.cost_usd:.4f}{capped}"
            )


def run_loop(
    engine: Engine,
    base_url: str | None,
    interval: float,
    stop: threading.Event,
    echo: Callable[[str], None],
    *,
    survive_errors: bool = False,
    maintain_every: float = MAINTAIN_EVERY_SECONDS,
) -> None:
    """Apply the rules every ``interval`` seconds, and maintain the database every ``maintain_every``
    seconds (0: never), until ``stop`` is set.

    In the console process (``survive_errors``) a failed pass is logged and the next one tried, so a
    database hiccup never stops the worker thread for good.
    """
    maintained = float("-inf")
    while not stop.is_set():
        try:
            apply_rules(engine, base_url, echo)
            if maintain_every and time.monotonic() - maintained >= maintain_every:
                maintained = time.monotonic()
                run_maintenance(engine, echo=echo)
        except Exception:
            if not survive_errors:
                raise
            log.exception("online evaluation pass failed; trying again in %s s", interval)
        stop.wait(interval)


@contextlib.contextmanager
def background(engine: Engine, base_url: str | None, interval: float) -> Iterator[threading.Thread]:
    """Run :func:`run_loop` in a daemon thread for the duration of the block, then stop and join it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_loop,
        args=(engine, base_url, interval, stop, click.echo),
        kwargs={"survive_errors": True},
        name="otel-llm-worker",
        daemon=True,
    )
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=max(interval, 30.0))
        click.echo("Online evaluation worker stopped.")
