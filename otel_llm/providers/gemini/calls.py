"""What a replay or a run may send to ``generate_content``, and the SDK object that sends it.

Stored request records are untrusted: of ``config`` only the fields that shape the request body
are kept — never ``http_options`` (headers, base URL, API version: where the call goes and with
which credentials), ``should_return_http_response`` or ``automatic_function_calling``.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

BODY = frozenset({"model", "contents", "config"})
CONFIG = frozenset(
    {
        "audio_timestamp",
        "cached_content",
        "candidate_count",
        "frequency_penalty",
        "image_config",
        "labels",
        "logprobs",
        "max_output_tokens",
        "media_resolution",
        "presence_penalty",
        "response_json_schema",
        "response_logprobs",
        "response_mime_type",
        "response_modalities",
        "response_schema",
        "routing_config",
        "safety_settings",
        "seed",
        "service_tier",
        "speech_config",
        "stop_sequences",
        "system_instruction",
        "temperature",
        "thinking_config",
        "tool_config",
        "tools",
        "top_k",
        "top_p",
    }
)
"""``GenerateContentConfig`` fields that become the request body (the SDK's own fields are not)."""


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def allowed_config(config: Any) -> tuple[dict[str, Any] | None, list[str]]:
    """The body fields of a recorded ``config`` (camelCase keys read as snake_case), and the
    names of what was dropped."""
    if config is None:
        return None, []
    if not isinstance(config, dict):
        return None, ["config"]
    kept = {_snake(k): v for k, v in config.items() if _snake(k) in CONFIG}
    return kept, [f"config.{k}" for k in config if _snake(k) not in CONFIG]


class GenerateContent:
    """``client.models`` as replay and runs drive every SDK: ``create(**params)`` (a stream when
    ``stream=True``: a context manager over the chunks) and ``stream(**params)``."""

    def __init__(self, models: Any) -> None:
        self.models = models

    def create(self, stream: bool = False, **params: Any) -> Any:
        if stream:
            return self.stream(**params)
        return self.models.generate_content(**params)

    @contextmanager
    def stream(self, **params: Any):
        chunks = self.models.generate_content_stream(**params)
        try:
            yield chunks
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
