"""OpenInference's embedding spans (``openinference.span.kind`` = ``EMBEDDING``) as semconv
``embeddings`` spans: model, input texts, dimension count; their vectors are not stored.

OpenInference writes ``embedding.model_name``, ``embedding.invocation_parameters``,
``embedding.embeddings.N.embedding.text`` and ``.vector`` (one tuple of floats per input), and the
whole response body, vectors included, as ``output.value``. Stored embedding spans keep the input and
the dimension count only, as ours do, so the vectors and that body are left out of the result.
"""

from __future__ import annotations

import json
import re
from typing import Any

from otel_llm import attributes as attrs

KIND = "EMBEDDING"
_EMBEDDING = re.compile(r"^embedding\.embeddings\.(\d+)\.embedding\.(text|vector)$")
_PREFIX = "embedding.embeddings."
_RESPONSE_BODY = "output.value"


def is_embedding(out: dict[str, Any]) -> bool:
    return out.get("openinference.span.kind") == KIND


def map_embedding(out: dict[str, Any], added: dict[str, Any]) -> None:
    """Semconv attributes of an OpenInference embedding span into ``added``; its vectors (and the
    response body that repeats them) removed from ``out``."""
    added.setdefault(attrs.GEN_AI_OPERATION_NAME, "embeddings")
    model = out.get("embedding.model_name")
    if isinstance(model, str):
        added.setdefault(attrs.GEN_AI_REQUEST_MODEL, model)
        added.setdefault(attrs.GEN_AI_RESPONSE_MODEL, model)
    texts: dict[int, str] = {}
    dimensions = None
    for key in [k for k in out if k.startswith(_PREFIX)]:
        match = _EMBEDDING.match(key)
        if match is None:
            continue
        if match.group(2) == "text":
            texts[int(match.group(1))] = str(out[key])
        else:
            vector = out.pop(key)
            dimensions = len(vector) if isinstance(vector, list | tuple) else dimensions
    out.pop(_RESPONSE_BODY, None)
    if dimensions is not None:
        added.setdefault(attrs.GEN_AI_EMBEDDINGS_DIMENSION_COUNT, dimensions)
    if texts:
        parts = [{"type": "text", "content": texts[i]} for i in sorted(texts)]
        added.setdefault(attrs.GEN_AI_INPUT_MESSAGES, json.dumps([{"role": "user", "parts": parts}]))
