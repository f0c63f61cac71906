"""otel-llm instrumentation of the official ``openai`` SDK.

Wraps ``chat.completions.create`` / ``parse``, ``responses.create`` / ``parse`` / ``stream``,
``embeddings.create`` and the legacy ``completions.create`` (sync and async; ``with_raw_response`` and ``with_streaming_response`` go through the same methods).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]  # no names: the module opens with "# type: ignore"
    BaseInstrumentor,
)

from otel_llm.instrumentation.common import content, patching
from otel_llm.instrumentation.common.telemetry import Telemetry
from otel_llm.instrumentation.openai.patch import PATCHES, sdk_types
from otel_llm.providers.openai import endpoints

_INSTRUMENTS = ("openai >= 1.40",)


class OpenAIInstrumentor(BaseInstrumentor):
    """``OpenAIInstrumentor().instrument(tracer_provider=..., meter_provider=...)``."""

    def instrumentation_dependencies(self) -> Collection[str]:
        return _INSTRUMENTS

    def _instrument(self, **kwargs: Any) -> None:
        content.read_settings()
        endpoints.forget()  # OTEL_LLM_PROVIDER_ENDPOINTS is read afresh
        telemetry = Telemetry.create(kwargs.get("tracer_provider"), kwargs.get("meter_provider"))
        sdk = sdk_types()
        patching.apply([(m, c, f, factory(telemetry, sdk)) for m, c, f, factory in PATCHES])

    def _uninstrument(self, **kwargs: Any) -> None:
        content.forget_settings()
        patching.remove([(m, c, f) for m, c, f, _ in PATCHES])
