"""OpenAI-compatible ``POST /v1/embeddings``: deterministic unit vectors, floats or base64.

A vector is a pure function of the model and the input text, so the same text always gets the same
embedding; ``dimensions`` shortens it (``text-embedding-3-*`` models), as the API does. Usage counts
the input tokens only (``prompt_tokens`` = ``total_tokens``), as the API reports.
"""

from __future__ import annotations

import base64
import math
import struct
from typing import Any

from otel_llm.mockllm import generate
from otel_llm.mockllm.errors import invalid
from otel_llm.mockllm.exchange import Call, JSONReply

DIMENSIONS = {"text-embedding-3-large": 3072}
DEFAULT_DIMENSIONS = 1536
ENCODINGS = ("float", "base64")


def user_text(body: Any) -> str:
    """The input text (where ``[[mock:...]]`` control tokens are read): the last string input."""
    texts = _texts(body.get("input")) if isinstance(body, dict) else []
    return texts[-1] if texts else ""


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return []


def _inputs(body: dict) -> list[Any]:
    """Each input: a string or a list of token ids (one input of token ids is a flat list)."""
    value = body.get("input")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str | list) for v in value):
        return value
    raise invalid(
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
        "input",
    )


def validate(body: dict) -> None:
    if not body.get("model"):
        raise invalid("you must provide a model parameter", "model")
    if "input" not in body:
        raise invalid("Missing required parameter: 'input'.", "input", "missing_required_parameter")
    encoding = body.get("encoding_format")
    if encoding is not None and encoding not in ENCODINGS:
        raise invalid(
            f"Invalid value: {encoding!r}. Supported values are: 'float' and 'base64'.",
            "encoding_format",
            "invalid_value",
        )
    dimensions = body.get("dimensions")
    if dimensions is not None and (not isinstance(dimensions, int) or dimensions < 1):
        raise invalid(
            "Invalid 'dimensions': integer below minimum value. Expected a value >= 1.",
            "dimensions",
            "integer_below_min_value",
        )


def vector(model: str, item: Any, dimensions: int) -> list[float]:
    """A unit vector of ``dimensions`` float32 values for one input (as floats: the same numbers
    whether sent as JSON or as base64)."""
    rng = generate.rng_for(generate.digest("embedding", model, item))
    values = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    packed = struct.pack(f"<{dimensions}f", *(v / norm for v in values))
    return list(struct.unpack(f"<{dimensions}f", packed))


def _tokens(item: Any) -> int:
    return len(item) if isinstance(item, list) else generate.count_tokens(item)


def _encoded(values: list[float], encoding: str | None) -> Any:
    if encoding != "base64":
        return values
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")


def handle(call: Call) -> JSONReply:
    body = call.body
    validate(body)
    inputs = _inputs(body)
    model = body["model"]
    dimensions = body.get("dimensions") or DIMENSIONS.get(model, DEFAULT_DIMENSIONS)
    encoding = body.get("encoding_format")
    data = [
        {"object": "embedding", "index": i, "embedding": _encoded(vector(model, item, dimensions), encoding)}
        for i, item in enumerate(inputs)
    ]
    tokens = sum(_tokens(item) for item in inputs)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return JSONReply({"object": "list", "data": data, "model": model, "usage": usage})
