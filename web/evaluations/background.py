"""Evaluation runs started from the console or the API, executed in a thread.

The same service as ``otel-llm eval run`` (its model and judge calls go through
``otel_llm.server_calls`` into the requesting project). The request waits until the run row exists
(or the run is refused: unknown dataset, bad variant, no credentials) and answers with it; the run
then goes on in the background, and its page shows it ``running`` until it ends.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from otel_llm.evaluation.errors import EvaluationError
from otel_llm.evaluation.runs import RunReport, RunSpec, run_evaluation
from otel_llm.masking import short_error

logger = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 30.0


def start(engine: Engine, project: str, spec: RunSpec) -> RunReport:
    """Start (or resume) the run in the background; refusals are raised here and start nothing."""
    started = threading.Event()
    outcome: dict = {}

    def on_start(report: RunReport) -> None:
        outcome["started"] = report
        started.set()

    def work() -> None:
        try:
            run_evaluation(engine, project, spec, on_start=on_start)
        except Exception as exc:
            outcome["error"] = exc
            if not started.is_set():  # refused before starting: reported to the request
                started.set()
            else:  # the run is closed as interrupted; the log says why, secrets masked
                logger.warning("otel-llm: evaluation run of %r failed: %s", spec.dataset, short_error(exc))

    threading.Thread(target=work, name=f"otel-llm-eval-run-{spec.dataset}", daemon=True).start()
    if not started.wait(START_TIMEOUT_SECONDS):
        raise EvaluationError("the run did not start in time; look for it in the runs list in a moment.")
    if "started" not in outcome:
        raise outcome["error"]
    return outcome["started"]
