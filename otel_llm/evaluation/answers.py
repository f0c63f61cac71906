"""One dataset item sent to one variant and judged by every evaluator.

The item's input is messages (``[{"role", "content"}]``), variables for the variant's prompt
(``{"variables": {...}}`` or a plain object), or both (``{"messages": [...], "variables": {...}}``).
With a prompt, its version is rendered with the variables in its format, includes resolved
(``experiments.calls.render_prompt``): a text version's text is the system prompt before the item's
messages, or the user message when the item has none; a chat version's messages, tools, response
format and parameters are sent, with the item's messages after its messages. The call goes through ``otel_llm.server_calls`` with its spans
marked ``otel_llm.evaluation=run`` (so they never count as the app's traffic); an evaluator's
exception is that item's evaluator error.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from otel_llm import attributes as attrs
from otel_llm import server_calls
from otel_llm.datasets import DatasetItem
from otel_llm.evaluation.base import Case, Evaluator, EvaluatorError
from otel_llm.evaluation.errors import EvaluationError
from otel_llm.evaluation.variants import Prepared
from otel_llm.experiments.calls import render_prompt, send
from otel_llm.providers.neutral import Neutral

if TYPE_CHECKING:
    from otel_llm.prompts.models import Version


@dataclass
class Verdict:
    evaluator: str
    value: float | None
    comment: str | None = None
    error: str | None = None
    cost_usd: float | None = None
    span_id: str | None = None


@dataclass
class Answer:
    ok: bool
    output: str | None
    error: str | None
    duration_ms: float
    recording: server_calls.Recording
    verdicts: list[Verdict] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def llm_row(self) -> dict[str, Any] | None:
        return next((r for r in self.rows if r.get("is_llm")), None)

    @property
    def cost_usd(self) -> float:
        own = (self.llm_row or {}).get("cost_usd") or 0.0
        return own + sum(v.cost_usd or 0.0 for v in self.verdicts)


def messages_for(item_input: Any, version: Version | None) -> tuple[list[dict[str, str]], Neutral | None]:
    """The chat messages an item's input stands for, with the variant's prompt version rendered in,
    and the rendered request of a chat version (sent before those messages)."""
    messages, variables = _split_input(item_input)
    if version is None:
        if not messages:
            raise EvaluationError(
                "the item has no messages and the variant no prompt to render its variables into"
            )
        return messages, None
    text = render_prompt(version, variables)
    if isinstance(text, Neutral):
        return messages, text
    return (
        [{"role": "system", "content": text}, *messages] if messages else [{"role": "user", "content": text}]
    ), None


def _split_input(value: Any) -> tuple[list[dict[str, str]], dict[str, Any]]:
    if isinstance(value, list):
        return _messages(value), {}
    if isinstance(value, str):
        return [{"role": "user", "content": value}], {}
    if isinstance(value, dict):
        if "messages" in value or "variables" in value:
            return _messages(value.get("messages") or []), dict(value.get("variables") or {})
        return [], dict(value)
    return [], {}


def _messages(raw: list) -> list[dict[str, str]]:
    return [
        {"role": str(m.get("role", "user")), "content": str(m.get("content", ""))}
        for m in raw
        if isinstance(m, dict)
    ]


def answer(client: Any, project_id: int, run_id: int, variant: Prepared, item: DatasetItem) -> Answer:
    """Send the item to the variant; never raises for provider or network errors."""
    marks = {attrs.EVALUATION: "run", attrs.EVALUATION_RUN: run_id}
    started = time.perf_counter()
    with server_calls.record(
        project_id, tags=variant.call.prompt_tags or None, attributes=marks
    ) as recording:
        try:
            messages, request = messages_for(item.input, variant.version)
            send(client, variant.call, messages, request)
            ok, error = True, None
        except Exception as exc:  # provider errors and unrenderable items are results, not crashes
            ok, error = False, f"{type(exc).__name__}: {exc}"[:1000]
    return Answer(ok, None, error, (time.perf_counter() - started) * 1000, recording)


def judge_answer(answer: Answer, item: DatasetItem, evaluators: list[Evaluator]) -> None:
    """Every evaluator's verdict on a stored answer (``answer.rows`` written already)."""
    from otel_llm.replay.diff import output_text

    row = answer.llm_row
    answer.output = output_text(row) if row else None
    if not answer.ok:
        return
    case = Case(
        answer.output or "", item.expected_output, item.input, item.metadata, (row or {}).get("span_id")
    )
    answer.verdicts = [verdict(evaluator, case) for evaluator in evaluators]


def verdict(evaluator: Evaluator, case: Case) -> Verdict:
    try:
        outcome = evaluator.evaluate(case)
    except EvaluatorError as exc:
        return Verdict(
            evaluator.name, None, error=str(exc)[:1000], cost_usd=exc.cost_usd, span_id=exc.span_id
        )
    except Exception as exc:  # a custom evaluator's bug is that item's error, the run goes on
        return Verdict(evaluator.name, None, error=f"{type(exc).__name__}: {exc}"[:1000])
    return Verdict(
        evaluator.name, outcome.value, outcome.comment, cost_usd=outcome.cost_usd, span_id=outcome.span_id
    )
