"""One automated call: a test case sent to a variant through the real provider SDK, traced and tagged.

The call runs inside our own ``experiment.run_item`` span (its trace links the run item to the LLM
span the instrumentation makes) and inside ``otel_llm.tags(experiment=…, variant=…)``, so the LLM
span carries the variant tag that results attribute by. Provider errors become failed results.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from otel_llm import attributes as attrs
from otel_llm.context import call_tracer, tags
from otel_llm.pricing import PricingTable

ANTHROPIC_DEFAULT_MAX_TOKENS = 1024


@dataclass(frozen=True)
class CallResult:
    ok: bool
    duration_ms: float
    cost_usd: float | None
    trace_id: str | None
    error: str | None = None


@dataclass(frozen=True)
class PreparedVariant:
    """A variant ready to call: its config with the system prompt resolved, and its prompt tags."""

    name: str
    config: dict[str, Any]
    system_prompt: str | None
    prompt_tags: dict[str, Any]


def call(
    client: Any,
    experiment: str,
    variant: PreparedVariant,
    messages: list[dict[str, str]],
    pricing: PricingTable,
) -> CallResult:
    """Send ``messages`` to ``variant``; never raises for provider or network errors."""
    started = time.perf_counter()
    with call_tracer("otel_llm.experiments").start_as_current_span(  # the server call's provider
        "experiment.run_item",
        attributes={attrs.EXPERIMENT: experiment, attrs.EXPERIMENT_VARIANT: variant.name},
    ) as span:
        trace_id = format(span.get_span_context().trace_id, "032x")
        try:
            with tags(experiment=experiment, variant=variant.name, **variant.prompt_tags):
                response = _send(client, variant, messages)
        except Exception as exc:  # provider errors are results, not crashes
            elapsed = (time.perf_counter() - started) * 1000
            return CallResult(False, elapsed, None, trace_id, f"{type(exc).__name__}: {exc}"[:1000])
    elapsed = (time.perf_counter() - started) * 1000
    return CallResult(True, elapsed, _cost(variant, response, pricing), trace_id)


def _send(client: Any, variant: PreparedVariant, messages: list[dict[str, str]]) -> Any:
    config = variant.config
    system_parts = [variant.system_prompt] if variant.system_prompt else []
    system_parts += [m["content"] for m in messages if m["role"] == "system"]
    conversation = [m for m in messages if m["role"] != "system"]
    if config["provider"] == "anthropic":
        kwargs: dict[str, Any] = {
            "model": config["model"],
            "messages": conversation,
            "max_tokens": config.get("max_tokens") or ANTHROPIC_DEFAULT_MAX_TOKENS,
        }
        if system_parts:
            kwargs["system"] = "\n\n".join(system_parts)
        if config.get("temperature") is not None:
            kwargs["temperature"] = config["temperature"]
        return client.messages.create(**kwargs)
    system = [{"role": "system", "content": "\n\n".join(system_parts)}] if system_parts else []
    kwargs = {"model": config["model"], "messages": system + conversation}
    if config.get("temperature") is not None:
        kwargs["temperature"] = config["temperature"]
    if config.get("max_tokens"):
        kwargs["max_tokens"] = config["max_tokens"]
    return client.chat.completions.create(**kwargs)


def _cost(variant: PreparedVariant, response: Any, pricing: PricingTable) -> float | None:
    usage = getattr(response, "usage", None)
    if usage is None:
        return None
    model = getattr(response, "model", None) or variant.config["model"]
    if variant.config["provider"] == "anthropic":
        cache_read = getattr(usage, "cache_read_input_tokens", None) or 0
        cache_write = getattr(usage, "cache_creation_input_tokens", None) or 0
        total_input = (usage.input_tokens or 0) + cache_read + cache_write
        return pricing.cost(model, total_input, usage.output_tokens, cache_read, cache_write)
    return pricing.cost(model, usage.prompt_tokens, usage.completion_tokens)
