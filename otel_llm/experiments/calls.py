"""One automated call: a test case sent to a variant through the real provider SDK, traced and tagged.

The call runs inside our own ``experiment.run_item`` span (its trace links the run item to the LLM
span the instrumentation makes) and inside ``otel_llm.tags(experiment=…, variant=…)``, so the LLM
span carries the variant tag that results attribute by. Provider errors become failed results.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from otel_llm import attributes as attrs
from otel_llm import providers
from otel_llm.context import call_tracer, tags
from otel_llm.masking import redact
from otel_llm.pricing import PricingTable
from otel_llm.providers.neutral import Neutral, text_part

if TYPE_CHECKING:
    from collections.abc import Mapping

    from otel_llm.prompts.models import Version


@dataclass(frozen=True)
class CallResult:
    ok: bool
    duration_ms: float
    cost_usd: float | None
    trace_id: str | None
    error: str | None = None


@dataclass(frozen=True)
class PreparedVariant:
    """A variant ready to call: its config with the system prompt resolved, and its prompt tags.

    ``prompt`` is a chat prompt version rendered (``otel_llm.prompts.setup.render``): its messages,
    tools, response format and parameters are sent, with the test case's messages after them."""

    name: str
    config: dict[str, Any]
    system_prompt: str | None
    prompt_tags: dict[str, Any]
    prompt: Neutral | None = None


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
                response = send(client, variant, messages)
        except Exception as exc:  # provider errors are results, not crashes
            elapsed = (time.perf_counter() - started) * 1000
            return CallResult(False, elapsed, None, trace_id, redact(f"{type(exc).__name__}: {exc}")[:1000])
    elapsed = (time.perf_counter() - started) * 1000
    return CallResult(True, elapsed, cost(variant, response, pricing), trace_id)


def send(
    client: Any, variant: PreparedVariant, messages: list[dict[str, str]], prompt: Neutral | None = None
) -> Any:
    """The variant's request, written by its provider's adapter from the neutral form."""
    adapter = providers.adapter(variant.config["provider"])
    kwargs, _ = adapter.from_neutral(request(variant, messages, prompt or variant.prompt))
    return adapter.resource(client, adapter.chat_api).create(**kwargs)


def request(
    variant: PreparedVariant, messages: list[dict[str, str]], prompt: Neutral | None = None
) -> Neutral:
    """The neutral request of ``messages`` sent to ``variant``: after a rendered chat ``prompt``
    (its messages, tools, response format and parameters), else with the variant's system prompt.
    The variant's model, temperature and max_tokens win over the prompt's."""
    config = variant.config
    params = {k: config[k] for k in ("temperature", "max_tokens") if config.get(k) is not None}
    if prompt is not None:
        turns = [{"role": m["role"], "parts": [text_part(m["content"])]} for m in messages]
        return replace(
            prompt,
            model=config["model"],
            messages=[*prompt.messages, *turns],
            params={**prompt.params, **params},
        )
    system = [variant.system_prompt] if variant.system_prompt else []
    system += [m["content"] for m in messages if m["role"] == "system"]
    conversation = [
        {"role": m["role"], "parts": [text_part(m["content"])]} for m in messages if m["role"] != "system"
    ]
    return Neutral(config["model"], conversation, ["\n\n".join(system)] if system else [], params=params)


def render_prompt(version: Version, values: Mapping[str, object]) -> str | Neutral:
    """A prompt version rendered with ``values`` in its format, includes resolved
    (``otel_llm.prompts.setup.render``): a text version's text, sent as before (a system prompt),
    or a chat version's whole request. ``MissingVariable`` names any value not given."""
    from otel_llm.prompts.setup import render

    rendered = render(version, values)
    if version.kind == "chat":
        return rendered
    return "".join(p.get("content", "") for p in rendered.messages[0]["parts"])


def cost(variant: PreparedVariant, response: Any, pricing: PricingTable) -> float | None:
    provider = variant.config["provider"]
    usage = providers.adapter(provider).usage(response)
    if usage is None:
        return None
    model = getattr(response, "model", None) or variant.config["model"]
    return pricing.cost(
        model,
        usage.input_tokens,
        usage.output_tokens,
        usage.cache_read_tokens,
        usage.cache_write_tokens,
        provider=provider,
    )
