"""A stored replay with everything its page shows: both spans and their comparison."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine

from otel_llm import attributes as attrs
from otel_llm.replay import diff, store
from otel_llm.traces import get_span


def replay_detail(engine: Engine, project_id: int, replay_id: int) -> dict[str, Any] | None:
    """``{"replay": row, "original": span row, "result": span row, "comparison": ...}`` or None.

    The comparison is computed again from the two stored spans, so it shows what the traces pages
    show; it is None for a failed replay or when a span has since been deleted.
    """
    row = store.get_replay(engine, project_id, replay_id)
    if row is None:
        return None
    original = get_span(engine, project_id, row["original_span_id"])
    result = get_span(engine, project_id, row["replay_span_id"]) if row["replay_span_id"] else None
    comparison = None
    if row["status"] == "ok" and original is not None and result is not None:
        comparison = diff.compare(original, result)
    return {
        "replay": row,
        "original": original,
        "result": result,
        "comparison": comparison,
        "sent": _request_record(result),
    }


def _request_record(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """The request the replay sent, as its own span recorded it."""
    raw = ((row or {}).get("attributes") or {}).get(attrs.REQUEST)
    try:
        return json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None


def run_detail(engine: Engine, project_id: int, run_id: int) -> dict[str, Any] | None:
    """A batch run with its replays (newest first)."""
    run = store.get_run(engine, project_id, run_id)
    if run is None:
        return None
    return {
        "run": run,
        "replays": store.list_replays(engine, project_id, run_id=run_id, limit=store.MAX_LIST),
    }
