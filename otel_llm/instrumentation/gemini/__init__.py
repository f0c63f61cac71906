"""otel-llm instrumentation of Google's ``google-genai`` SDK (Gemini Developer API and Vertex AI).

Wraps ``models.generate_content`` / ``generate_content_stream`` (sync, and async under
``client.aio``); chats go through them, one span per model request. ``gen_ai.provider.name`` is
``gcp.gemini`` or ``gcp.vertex_ai`` after the client's backend; the operation is ``generate_content``.
With automatic function calling (Python functions as tools), ``models.generate_content`` sends
several requests inside one call: they make one span, with the last response's answer and usage.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]  # no names: the module opens with "# type: ignore"
    BaseInstrumentor,
)

from otel_llm.instrumentation.common import content, patching
from otel_llm.instrumentation.common.telemetry import Telemetry
from otel_llm.instrumentation.gemini.patch import PATCHES, sdk_types

_INSTRUMENTS = ("google-genai >= 1.0",)


class GeminiInstrumentor(BaseInstrumentor):
    """``GeminiInstrumentor().instrument(tracer_provider=..., meter_provider=...)``."""

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
