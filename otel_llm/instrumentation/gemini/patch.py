"""Patch factories for the ``google-genai`` SDK, one per wrapped method.

Chats (``client.chats.create(...).send_message`` / ``send_message_stream`` and their async forms)
call ``models.generate_content`` / ``generate_content_stream`` once per model request, so they are
observed there: one span per request, with the whole history the chat sent.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from otel_llm.instrumentation.common.generators import async_generator_call, sync_generator_call
from otel_llm.instrumentation.common.patching import result_types
from otel_llm.instrumentation.common.telemetry import Telemetry
from otel_llm.instrumentation.common.wrap import async_call, sync_call
from otel_llm.instrumentation.gemini.generate import GenerateContentHandler

MODELS = "google.genai.models"

GEMINI_PROVIDER = "gcp.gemini"
VERTEX_PROVIDER = "gcp.vertex_ai"
_GEMINI = GenerateContentHandler(GEMINI_PROVIDER, "GEMINI_API")
_VERTEX = GenerateContentHandler(VERTEX_PROVIDER, "VERTEX_AI")


class _Never:
    """Stands for a result class the SDK does not have: its methods return parsed responses."""


def sdk_types() -> SimpleNamespace:
    return result_types(
        stream=_Never,
        async_stream=_Never,
        legacy_response=_Never,
        api_response=_Never,
        async_api_response=_Never,
    )


def is_vertex(models) -> bool:
    """Whether a ``Models`` / ``AsyncModels`` object talks to Vertex AI (else the Gemini Developer API)."""
    return getattr(getattr(models, "_api_client", None), "vertexai", False) is True


def _per_backend(make: Callable[[GenerateContentHandler], Callable]) -> Callable:
    gemini, vertex = make(_GEMINI), make(_VERTEX)

    def wrapper(wrapped, instance, args, kwargs):
        return (vertex if is_vertex(instance) else gemini)(wrapped, instance, args, kwargs)

    return wrapper


def models_generate_content(t: Telemetry, sdk) -> Callable:
    return _per_backend(lambda handler: sync_call(t, handler, sdk))


def async_models_generate_content(t: Telemetry, sdk) -> Callable:
    return _per_backend(lambda handler: async_call(t, handler, sdk))


def models_generate_content_stream(t: Telemetry, sdk) -> Callable:
    return _per_backend(lambda handler: sync_generator_call(t, handler))


def async_models_generate_content_stream(t: Telemetry, sdk) -> Callable:
    return _per_backend(lambda handler: async_generator_call(t, handler))


PATCHES = (
    (MODELS, "Models", "generate_content", models_generate_content),
    (MODELS, "AsyncModels", "generate_content", async_models_generate_content),
    (MODELS, "Models", "generate_content_stream", models_generate_content_stream),
    (MODELS, "AsyncModels", "generate_content_stream", async_models_generate_content_stream),
)
