"""Automated runs started from the console or the API, executed in a thread.

The request waits until the run row exists (or the run is refused) and answers with its id; the
results page then refreshes itself while the run goes on.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from otel_llm.experiments import runs

logger = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 30.0


def start(
    engine: Engine,
    project: str,
    name: str,
    *,
    repeat: int = 1,
    concurrency: int = 4,
    max_cost_usd: float | None = None,
    base_url: str | None = None,
) -> int:
    """Start (or resume) a run in the background; its id. Service errors are raised here."""
    started = threading.Event()
    outcome: dict = {}

    def on_start(report: runs.RunReport) -> None:
        outcome["run_id"] = report.run_id
        started.set()

    def work() -> None:
        try:
            runs.run_experiment(
                engine,
                project,
                name,
                repeat=repeat,
                concurrency=concurrency,
                max_cost_usd=max_cost_usd,
                base_url=base_url,
                on_start=on_start,
                wait=False,
            )
        except Exception as exc:  # refused before starting: reported to the request
            outcome["error"] = exc
            if not started.is_set():
                started.set()
            else:
                logger.exception("otel-llm: experiment run of %r failed", name)

    threading.Thread(target=work, name=f"otel-llm-experiment-run-{name}", daemon=True).start()
    if not started.wait(START_TIMEOUT_SECONDS):
        raise runs.RunInProgress("the run did not start in time; try again in a moment.")
    if "run_id" not in outcome:
        raise outcome["error"]
    return outcome["run_id"]
