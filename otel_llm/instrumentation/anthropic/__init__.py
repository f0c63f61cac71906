"""otel-llm instrumentation of the official ``anthropic`` SDK.

Wraps ``messages.create`` / ``parse`` / ``stream`` and the same methods of ``beta.messages``
(sync and async). The SDK's own OpenTelemetry
spans (scope ``com.anthropic.sdk.python``) stay on: one started inside our call is marked
``otel_llm.duplicate`` by ``LLMSpanProcessor`` and not stored, so one call gives one stored span.
Without our instrumentation, those native spans are stored (adopted) and tagged instead.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]  # no names: the module opens with "# type: ignore"
    BaseInstrumentor,
)

from otel_llm.instrumentation.anthropic.patch import PATCHES, sdk_types
from otel_llm.instrumentation.common import content, patching
from otel_llm.instrumentation.common.telemetry import Telemetry

_INSTRUMENTS = ("anthropic >= 0.40",)


class AnthropicInstrumentor(BaseInstrumentor):
    """``AnthropicInstrumentor().instrument(tracer_provider=..., meter_provider=...)``."""

    def instrumentation_dependencies(self) -> Collection[str]:
        return _INSTRUMENTS

    def _instrument(self, **kwargs: Any) -> None:
        content.read_settings()
        telemetry = Telemetry.create(kwargs.get("tracer_provider"), kwargs.get("meter_provider"))
        sdk = sdk_types()
        patching.apply([(m, c, f, factory(telemetry, sdk)) for m, c, f, factory in PATCHES])

    def _uninstrument(self, **kwargs: Any) -> None:
        content.forget_settings()
        patching.remove([(m, c, f) for m, c, f, _ in PATCHES])
