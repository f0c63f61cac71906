"""OpenAI Embeddings (``embeddings.create``): the input as content, usage, the vectors' size.

The vectors themselves are never recorded: only their dimension count
(``gen_ai.embeddings.dimension.count``). The input texts are captured under the same rules as chat
messages, as one user message with a text part per input (token-id inputs are left out).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from otel_llm import attributes as attrs
from otel_llm.instrumentation.common import content
from otel_llm.instrumentation.common.call import LLMCall
from otel_llm.instrumentation.common.fields import get, integer
from otel_llm.providers.openai import endpoints

_FLOAT32_BYTES = 4


class EmbeddingsHandler:
    api = "openai.embeddings"
    provider = "openai"
    operation = "embeddings"

    def provider_of(self, resource: Any) -> str:
        return endpoints.provider_of_client(getattr(resource, "_client", None))

    def record_params(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return kwargs

    def request_attributes(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        a: dict[str, Any] = {attrs.GEN_AI_OPERATION_NAME: "embeddings", attrs.GEN_AI_PROVIDER_NAME: "openai"}
        model = kwargs.get("model")
        if isinstance(model, str):
            a[attrs.GEN_AI_REQUEST_MODEL] = model
        encoding = kwargs.get("encoding_format")
        if isinstance(encoding, str):
            a[attrs.GEN_AI_REQUEST_ENCODING_FORMATS] = [encoding]
        dimensions = integer(kwargs.get("dimensions"))
        if dimensions is not None:
            a[attrs.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dimensions
        return a

    def system_text(self, kwargs: dict[str, Any]) -> str | None:
        return None

    def request_content(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        value = kwargs.get("input")
        items = [value] if isinstance(value, str) else value if isinstance(value, list | tuple) else ()
        parts = [content.text_part(item) for item in items if isinstance(item, str)]
        return {attrs.GEN_AI_INPUT_MESSAGES: [{"role": "user", "parts": parts}]}

    def response(self, call: LLMCall, response: Any) -> None:
        call.set_response(None, get(response, "model"), None)
        usage = get(response, "usage")
        if usage is not None:
            call.set_usage(integer(get(usage, "prompt_tokens")), None)
        data = get(response, "data") or ()
        if data:
            count = dimension_count(get(data[0], "embedding"))
            if count is not None:
                call.pending[attrs.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = count

    def accumulator(self, call: LLMCall) -> NoStream:
        return NoStream()


def dimension_count(embedding: Any) -> int | None:
    """Length of a vector: a list of floats, or base64 of little-endian float32 values."""
    if isinstance(embedding, list | tuple):
        return len(embedding)
    if isinstance(embedding, str):
        try:
            return len(base64.b64decode(embedding, validate=True)) // _FLOAT32_BYTES
        except (binascii.Error, ValueError):
            return None
    return None


class NoStream:
    """Embeddings are never streamed: nothing to accumulate."""

    def add(self, chunk: Any) -> None:
        return None

    def finish(self, call: LLMCall) -> None:
        return None
