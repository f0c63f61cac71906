"""Sending a replay request through the real SDK (instrumented, so the call is traced)."""

from __future__ import annotations

from typing import Any

from otel_llm import providers
from otel_llm.replay.request import ANTHROPIC_MESSAGES, OPENAI_CHAT, OPENAI_RESPONSES, ReplayRequest


def _method(client: Any, api: str):
    if api == OPENAI_CHAT:
        return client.chat.completions.create
    if api == OPENAI_RESPONSES:
        return client.responses.create
    if api == ANTHROPIC_MESSAGES:
        return client.messages.create
    raise ValueError(f"unknown api {api!r}")


def send(request: ReplayRequest, base_url: str | None = None) -> None:
    """Make the call; a streamed answer is read to its end. Provider errors are raised as the SDK's."""
    client = providers.client(request.provider, base_url=base_url)
    try:
        result = _method(client, request.api)(**request.call_params())
        if request.call_params().get("stream"):
            with result as stream:
                for _ in stream:
                    pass
    finally:
        client.close()
