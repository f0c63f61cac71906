"""Running a set-up: render its templates with the variables, build the provider's request through
its adapter, send it through the server-call path and store the spans in the caller's project.

The spans are marked ``otel_llm.evaluation = playground`` (the ``evaluation`` column: made by the
product, never app traffic), so overview, prompt and experiment figures never count them. A
provider error is the run's outcome (``Outcome.error``), not an exception.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from otel_llm import attributes as attrs
from otel_llm import providers, server_calls
from otel_llm.masking import redact
from otel_llm.playground.errors import PlaygroundError
from otel_llm.playground.setup import Setup
from otel_llm.prompts import chat, formats, includes
from otel_llm.prompts.errors import PromptError
from otel_llm.replay import call
from otel_llm.replay.diff import output_text
from otel_llm.replay.replay_request import ReplayRequest
from otel_llm.storage import writer

logger = logging.getLogger(__name__)

PLAYGROUND = "playground"
MAX_ERROR_CHARS = 2000


@dataclass
class Outcome:
    """What one run gave: the answer and its figures, or the provider's error."""

    status: str  # ok | error
    output: str = ""
    error: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    duration_ms: float | None = None
    model: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def rendered_messages(setup: Setup, sources: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The messages with the variables filled in and includes (``{{> footer@production}}``) taken
    from ``sources``; ``PlaygroundError`` names a missing variable or include."""
    out = []
    for message in setup.messages:
        try:
            text = formats.render(
                setup.template_format,
                message.get("content") or "",
                setup.variables,
                setup.prompt or "",
                sources,
            )
        except (PromptError, KeyError) as exc:
            raise PlaygroundError(str(exc).strip("'\"")) from exc
        out.append({**message, "content": text})
    return out


def included(engine: Engine, project_id: int, setup: Setup) -> dict[str, str]:
    """The texts of the prompts the messages include, resolved now (labels as they point today)."""
    texts = [m.get("content") or "" for m in setup.messages]
    try:
        with engine.connect() as connection:
            found = includes.resolve(connection, project_id, setup.prompt or "", setup.template_format, texts)
    except PromptError as exc:
        raise PlaygroundError(str(exc)) from exc
    return {i.ref: i.template for i in found}


def request_of(setup: Setup, sources: dict[str, str] | None = None) -> tuple[ReplayRequest, list[str]]:
    """The SDK call for ``setup`` and what its provider cannot express (not sent, named)."""
    adapter = providers.adapter(setup.provider)
    messages = rendered_messages(setup, sources)
    neutral = chat.to_neutral(messages, setup.tools, setup.response_format, setup.config())
    params, warnings = adapter.from_neutral(neutral)
    return ReplayRequest(adapter.chat_api, params, provider=setup.provider), warnings


def run(engine: Engine, project_id: int, setup: Setup, *, base_url: str | None = None) -> Outcome:
    """Send ``setup`` once; its spans are stored in project ``project_id``."""
    request, warnings = request_of(setup, included(engine, project_id, setup))
    error = None
    with server_calls.record(project_id, attributes={attrs.EVALUATION: PLAYGROUND}) as recording:
        try:
            call.send(request, base_url)
        except Exception as exc:  # the provider's or the transport's error is the run's outcome
            error = redact(f"{type(exc).__name__}: {exc}")[:MAX_ERROR_CHARS]
            logger.info("otel-llm: playground run failed: %s", error)
    rows = recording.rows(engine)
    with engine.begin() as connection:
        writer.insert_rows(connection, rows)
    row = next((r for r in reversed(rows) if r["is_llm"]), None)
    if error is None and row is None:
        error = "the call was made but no span was recorded (is the SDK instrumented by another tool?)"
    outcome = Outcome("ok" if error is None else "error", error=error, warnings=warnings)
    if row is not None:
        outcome.output = output_text(row)
        outcome.trace_id, outcome.span_id = row["trace_id"], row["span_id"]
        outcome.input_tokens, outcome.output_tokens = row["input_tokens"], row["output_tokens"]
        outcome.cost_usd, outcome.duration_ms = row["cost_usd"], row["duration_ms"]
        outcome.model = row["response_model"] or row["request_model"]
    return outcome
