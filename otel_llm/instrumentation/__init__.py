"""Instrumentors, one package per SDK, over a neutral layer (``otel_llm.instrumentation.common``)."""

from __future__ import annotations

import importlib.util


def available_instrumentors() -> list:
    """Instrumentor instances (singletons) for the SDKs installed in this environment."""
    found = []
    if importlib.util.find_spec("openai") is not None:
        from otel_llm.instrumentation.openai import OpenAIInstrumentor

        found.append(OpenAIInstrumentor())
    if importlib.util.find_spec("anthropic") is not None:
        from otel_llm.instrumentation.anthropic import AnthropicInstrumentor

        found.append(AnthropicInstrumentor())
    return found


def set_redactor(redactor) -> None:
    """Register ``redactor(text) -> text`` that scrubs every captured text before it is recorded.

    See ``otel_llm.instrumentation.common.content.set_redactor``; ``None`` removes it.
    """
    from otel_llm.instrumentation.common.content import set_redactor as _set

    _set(redactor)
