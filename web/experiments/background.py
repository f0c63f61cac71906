"""Automated runs started from the console or the API, executed in a thread.

The request waits until the run row exists (or the run is refused) and answers with it; the
results page then refreshes itself while the run goes on. A run that cannot call its providers
(missing credentials) or fails midway is stored ``failed`` with the sentence saying why, which the
run's page and ``GET /experiments/{name}/runs`` show.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from otel_llm.experiments import runs
from otel_llm.masking import short_error

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
) -> tuple[int, str | None]:
    """Start (or resume) a run in the background: its id, and the sentence saying why when it was
    stored ``failed`` without starting. Refusals (bad options, no test cases, already running) are
    raised here and store no run."""
    started = threading.Event()
    outcome: dict = {}

    def on_start(report: runs.RunReport) -> None:
        outcome["started"] = (report.run_id, report.error)
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
                record_refusal=True,
            )
        except Exception as exc:  # refused before starting: reported to the request
            outcome["error"] = exc
            if not started.is_set():
                started.set()
            else:  # stored on the run as ``failed``; the log says so too, secrets masked
                logger.warning("otel-llm: experiment run of %r failed: %s", name, short_error(exc))

    threading.Thread(target=work, name=f"otel-llm-experiment-run-{name}", daemon=True).start()
    if not started.wait(START_TIMEOUT_SECONDS):
        raise runs.RunInProgress("the run did not start in time; try again in a moment.")
    if "started" not in outcome:
        raise outcome["error"]
    return outcome["started"]
