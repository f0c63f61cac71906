"""Patch factories for the ``openai`` SDK, one per wrapped method."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from otel_llm.instrumentation.common.patching import result_types
from otel_llm.instrumentation.common.telemetry import Telemetry
from otel_llm.instrumentation.common.wrap import (
    async_call,
    async_stream_manager,
    raw_stream_hook,
    sync_call,
    sync_stream_manager,
)
from otel_llm.instrumentation.openai.chat import ChatHandler, ParseHandler
from otel_llm.instrumentation.openai.completions import CompletionsHandler
from otel_llm.instrumentation.openai.embeddings import EmbeddingsHandler
from otel_llm.instrumentation.openai.responses import ResponsesHandler

CHAT = "openai.resources.chat.completions.completions"
RESPONSES = "openai.resources.responses.responses"
EMBEDDINGS = "openai.resources.embeddings"
COMPLETIONS = "openai.resources.completions"

_CHAT = ChatHandler()
_PARSE = ParseHandler()
_RESPONSES = ResponsesHandler()
_EMBEDDINGS = EmbeddingsHandler()
_COMPLETIONS = CompletionsHandler()


def sdk_types() -> SimpleNamespace:
    """The SDK's stream and raw-response classes, which decide how a result is observed."""
    import openai
    from openai import _legacy_response, _response

    return result_types(
        stream=openai.Stream,
        async_stream=openai.AsyncStream,
        legacy_response=_legacy_response.LegacyAPIResponse,
        api_response=_response.APIResponse,
        async_api_response=_response.AsyncAPIResponse,
    )


def chat_completions_create(t: Telemetry, sdk) -> Callable:
    return sync_call(t, _CHAT, sdk)


def async_chat_completions_create(t: Telemetry, sdk) -> Callable:
    return async_call(t, _CHAT, sdk)


def chat_completions_parse(t: Telemetry, sdk) -> Callable:
    return sync_call(t, _PARSE, sdk)


def async_chat_completions_parse(t: Telemetry, sdk) -> Callable:
    return async_call(t, _PARSE, sdk)


def responses_create(t: Telemetry, sdk) -> Callable:
    return sync_call(t, _RESPONSES, sdk)


def async_responses_create(t: Telemetry, sdk) -> Callable:
    return async_call(t, _RESPONSES, sdk)


def responses_parse(t: Telemetry, sdk) -> Callable:
    return sync_call(t, _RESPONSES, sdk)


def async_responses_parse(t: Telemetry, sdk) -> Callable:
    return async_call(t, _RESPONSES, sdk)


def responses_stream(t: Telemetry, sdk) -> Callable:
    return sync_stream_manager(t, _RESPONSES, raw_stream_hook())


def async_responses_stream(t: Telemetry, sdk) -> Callable:
    return async_stream_manager(t, _RESPONSES, raw_stream_hook())


def embeddings_create(t: Telemetry, sdk) -> Callable:
    return sync_call(t, _EMBEDDINGS, sdk)


def async_embeddings_create(t: Telemetry, sdk) -> Callable:
    return async_call(t, _EMBEDDINGS, sdk)


def completions_create(t: Telemetry, sdk) -> Callable:
    return sync_call(t, _COMPLETIONS, sdk)


def async_completions_create(t: Telemetry, sdk) -> Callable:
    return async_call(t, _COMPLETIONS, sdk)


PATCHES = (
    (CHAT, "Completions", "create", chat_completions_create),
    (CHAT, "AsyncCompletions", "create", async_chat_completions_create),
    (CHAT, "Completions", "parse", chat_completions_parse),
    (CHAT, "AsyncCompletions", "parse", async_chat_completions_parse),
    (RESPONSES, "Responses", "create", responses_create),
    (RESPONSES, "AsyncResponses", "create", async_responses_create),
    (RESPONSES, "Responses", "parse", responses_parse),
    (RESPONSES, "AsyncResponses", "parse", async_responses_parse),
    (RESPONSES, "Responses", "stream", responses_stream),
    (RESPONSES, "AsyncResponses", "stream", async_responses_stream),
    (EMBEDDINGS, "Embeddings", "create", embeddings_create),
    (EMBEDDINGS, "AsyncEmbeddings", "create", async_embeddings_create),
    (COMPLETIONS, "Completions", "create", completions_create),
    (COMPLETIONS, "AsyncCompletions", "create", async_completions_create),
)
