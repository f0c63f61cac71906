"""One replay: rebuild the span's request, apply the overrides, send it, store and compare.

``replay_span`` is what the CLI, the console and the JSON API call. A provider error is a failed
replay (stored with its error), never an exception; bad input (unknown span, span without content,
impossible override) raises ``ReplayError`` before anything is sent or stored.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Engine

from otel_llm import attributes as attrs
from otel_llm import server_calls
from otel_llm.masking import redact
from otel_llm.replay import call, diff, prompt_ref, store
from otel_llm.replay.errors import SpanNotFound
from otel_llm.replay.overrides import Overrides, apply
from otel_llm.replay.request import ReplayRequest, from_span
from otel_llm.storage import writer
from otel_llm.traces import get_span

logger = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2000


@dataclass
class ReplayResult:
    """The outcome: ``status`` is ``ok``, ``error`` (the provider failed) or ``dry_run`` (not sent)."""

    status: str
    original: dict[str, Any]
    request: ReplayRequest
    overrides: Overrides
    id: int | None = None
    replay: dict[str, Any] | None = None
    error: str | None = None
    comparison: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        replay = self.replay or {}
        return {
            "id": self.id,
            "status": self.status,
            "error": self.error,
            "original": {"trace_id": self.original["trace_id"], "span_id": self.original["span_id"]},
            "replay": {"trace_id": replay.get("trace_id"), "span_id": replay.get("span_id")}
            if replay
            else None,
            "overrides": self.overrides.to_json(),
            "request": self.request.to_json(),
            "warnings": self.notes,
            "comparison": self.comparison,
        }


def prepare(
    engine: Engine, project_id: int, span_id: str, overrides: Overrides
) -> tuple[dict[str, Any], ReplayRequest, prompt_ref.SystemOverride]:
    """The original row and the request a replay would send (no call, nothing stored)."""
    original = get_span(engine, project_id, span_id)
    if original is None:
        raise SpanNotFound(span_id)
    system = prompt_ref.resolve(engine, project_id, overrides, original)
    effective = _with_defaults(overrides, system.defaults)
    request = apply(from_span(original), effective, system.text, system.chat)
    request.notes.extend(system.notes)
    return original, request, system


def _with_defaults(overrides: Overrides, defaults: dict[str, Any]) -> Overrides:
    """Prompt-version config beneath the explicit overrides."""
    if not defaults:
        return overrides
    values = {k: v for k, v in defaults.items() if getattr(overrides, k) is None}
    return replace(overrides, **values)


def replay_span(
    engine: Engine,
    project_id: int,
    span_id: str,
    overrides: Overrides | None = None,
    *,
    actor: str,
    dry_run: bool = False,
    base_url: str | None = None,
    run_id: int | None = None,
    judging: Any = None,
) -> ReplayResult:
    """Replay stored span ``span_id`` with ``overrides``; stored as a ``replays`` row unless dry-run.
    ``judging`` (``otel_llm.evaluation.attached.SpanJudging``) scores the replay's answer against the
    original's output."""
    overrides = overrides or Overrides()
    original, request, system = prepare(engine, project_id, span_id, overrides)
    result = ReplayResult("dry_run", original, request, overrides, notes=list(request.notes))
    if dry_run:
        return result
    recording, error = _send(project_id, request, original, overrides, system.tags, base_url)
    rows = recording.rows(engine)
    replay_row = next((row for row in reversed(rows) if row["is_llm"]), None)
    if error is None and replay_row is None:
        error = "the replay call was made but no span was recorded (is the SDK instrumented by another tool?)"
    result.status = "ok" if error is None else "error"
    result.error = error
    result.replay = replay_row
    result.comparison = diff.compare(original, replay_row) if error is None else None
    verdicts = judging.judge(rows, diff.output_text(original), None) if judging and error is None else []
    result.id = _store(engine, project_id, result, rows, actor, run_id, (judging, verdicts))
    return result


def _send(
    project_id: int,
    request: ReplayRequest,
    original: dict,
    overrides: Overrides,
    tags: dict,
    base_url: str | None,
) -> tuple[server_calls.Recording, str | None]:
    """Make the call through the server-call path; its spans are tagged as a replay of ``original``."""
    error = None
    marks = {
        attrs.REPLAY_OF: original["span_id"],
        attrs.REPLAY_OVERRIDES: json.dumps(overrides.to_json(), sort_keys=True),
    }
    with server_calls.record(project_id, tags=tags, attributes=marks) as recording:
        try:
            call.send(request, base_url)
        except Exception as exc:  # a provider or transport error is the replay's outcome
            error = redact(f"{type(exc).__name__}: {exc}")[:MAX_ERROR_CHARS]
            logger.info("otel-llm: replay of %s failed: %s", original["span_id"], error)
    return recording, error


def _store(
    engine: Engine,
    project_id: int,
    result: ReplayResult,
    rows: list[dict],
    actor: str,
    run_id: int | None,
    judged: tuple[Any, list] = (None, []),
) -> int:
    """The replay span(s), their scores and the replay row, in one transaction."""
    replay = result.replay or {}
    summary = diff.summary(result.comparison) if result.comparison else {}
    summary["warnings"] = result.notes
    summary["request"] = {"api": result.request.api, "model": result.request.model}
    with engine.begin() as connection:
        writer.insert_rows(connection, rows)
        judging, verdicts = judged
        if judging is not None:
            judging.store(connection, rows, verdicts)
        return store.insert_replay(
            connection,
            project_id=project_id,
            run_id=run_id,
            original_trace_id=result.original["trace_id"],
            original_span_id=result.original["span_id"],
            replay_trace_id=replay.get("trace_id"),
            replay_span_id=replay.get("span_id"),
            actor=actor,
            overrides=result.overrides.to_json(),
            status=result.status,
            error=result.error,
            summary=summary,
        )
