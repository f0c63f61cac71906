"""Batch runs started from the console or the API: planned in the request, executed in a thread.

The request answers as soon as the run row exists (status ``running``); the page and
``GET /api/v1/replay-runs/<id>`` show its progress and, once finished, its summary.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine

from otel_llm.replay import InvalidOverride, Overrides
from otel_llm.replay import batch as batch_service

logger = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 4
_SELECTION_FIELDS = ("trace_id", "prompt", "model", "provider", "since", "experiment", "variant", "limit")
_OVERRIDE_FIELDS = {
    "with_model": "model",
    "with_provider": "provider",
    "with_prompt": "prompt",
    "temperature": "temperature",
    "max_tokens": "max_tokens",
    "system_prompt": "system_prompt",
}


def parse_run_form(form) -> tuple[batch_service.Selection, Overrides]:
    """Selection and overrides from the Replays page's "new run" form."""
    selection = batch_service.Selection.from_json(
        {name: (form.get(name) or "").strip() for name in _SELECTION_FIELDS}
    )
    values: dict[str, Any] = {
        key: (form.get(field) or "").replace("\r\n", "\n").strip() for field, key in _OVERRIDE_FIELDS.items()
    }
    if form.get("no_cache"):
        values["no_cache"] = True
    overrides = Overrides.from_json(values)
    if overrides.is_empty():
        raise InvalidOverride("choose at least one override (model, temperature, prompt…) for the run.")
    return selection, overrides


def start(
    engine: Engine,
    project_id: int,
    selection: batch_service.Selection,
    overrides: Overrides,
    actor: str,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    base_url: str | None = None,
) -> int:
    """Plan the run (its row exists when this returns) and execute it in a background thread."""
    plan = batch_service.plan(engine, project_id, selection, overrides, actor)

    def work() -> None:
        try:
            batch_service.execute(
                engine, project_id, plan, overrides, actor, concurrency=concurrency, base_url=base_url
            )
        except Exception:
            logger.exception("otel-llm: replay run %s failed", plan.run_id)

    threading.Thread(target=work, name=f"otel-llm-replay-run-{plan.run_id}", daemon=True).start()
    return plan.run_id
