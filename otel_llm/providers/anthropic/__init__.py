"""The Anthropic adapter: messages through the ``anthropic`` SDK."""

from __future__ import annotations

import os
from typing import Any

from otel_llm.providers.anthropic import messages
from otel_llm.providers.base import Endpoint, ProviderAdapter, Range, Usage
from otel_llm.providers.neutral import Neutral

MESSAGES = "anthropic.messages"
_LOCAL_KEY = "mock-key-not-secret"

BODY = frozenset(
    {
        "container",
        "context_management",
        "max_tokens",
        "mcp_servers",
        "messages",
        "metadata",
        "model",
        "output_config",
        "service_tier",
        "stop_sequences",
        "stream",
        "system",
        "temperature",
        "thinking",
        "tool_choice",
        "tools",
        "top_k",
        "top_p",
    }
)
"""The body parameters of ``POST /v1/messages`` (API reference): all a replay sends."""


class AnthropicAdapter(ProviderAdapter):
    name = "anthropic"
    label = messages.LABEL
    sdk = "anthropic"
    instrumentor = "otel_llm.instrumentation.anthropic:AnthropicInstrumentor"
    apis = (MESSAGES,)
    chat_api = MESSAGES
    body_params = {MESSAGES: BODY}
    temperature = Range(0.0, 1.0)
    max_tokens = Range(1, float("inf"), default=1024)
    cache_markers = ("cache_control",)
    example_model = "claude-haiku-4-5"
    model_prefixes = ("claude",)

    def endpoint(self, name: str | None = None) -> Endpoint:
        return Endpoint(self.name, os.environ.get("ANTHROPIC_BASE_URL") or None, "ANTHROPIC_API_KEY")

    def key_variables(self, endpoint: str | None = None) -> tuple[str, ...]:
        return ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")

    def client(self, *, endpoint=None, local_url=None, is_async=False, max_retries=0) -> Any:
        import anthropic

        kwargs: dict[str, Any] = {"max_retries": max_retries}
        if local_url:
            kwargs.update(base_url=self.local_base_url(local_url), api_key=_LOCAL_KEY)
        else:
            target = self.endpoint(endpoint)
            if target.base_url:
                kwargs["base_url"] = target.base_url
            if target.api_key():
                kwargs["api_key"] = target.api_key()
        return (anthropic.AsyncAnthropic if is_async else anthropic.Anthropic)(**kwargs)

    def local_base_url(self, root: str) -> str:
        return root.rstrip("/")

    def resource(self, client: Any, api: str) -> Any:
        return client.messages

    def to_neutral(self, api: str, params: dict[str, Any]) -> Neutral:
        return messages.to_neutral(params)

    def from_neutral(self, neutral: Neutral) -> tuple[dict[str, Any], list[str]]:
        return messages.from_neutral(neutral, int(self.max_tokens.default or 1), self.temperature.high)

    def set_temperature(self, api: str, params: dict[str, Any], value: float) -> None:
        if "temperature" in params:
            params["temperature"] = value
        else:  # the installed SDK has no temperature keyword; the API takes it in the body
            params["extra_body"] = {**(params.get("extra_body") or {}), "temperature": value}

    def temperature_of(self, params: dict[str, Any]) -> Any:
        extra = params.get("extra_body")
        return params.get("temperature", extra.get("temperature") if isinstance(extra, dict) else None)

    def set_system(self, api: str, params: dict[str, Any], text: str) -> list[str]:
        current = params.get("system")
        last = current[-1] if isinstance(current, list) and current else None
        if isinstance(last, dict) and last.get("cache_control"):
            params["system"] = [{"type": "text", "text": text, "cache_control": last["cache_control"]}]
        else:
            params["system"] = text
        return []

    def usage(self, response: Any) -> Usage | None:
        usage = getattr(response, "usage", None)
        if usage is None:
            return None
        cache_read = getattr(usage, "cache_read_input_tokens", None) or 0
        cache_write = getattr(usage, "cache_creation_input_tokens", None) or 0
        total = (usage.input_tokens or 0) + cache_read + cache_write
        return Usage(total, usage.output_tokens, cache_read, cache_write)

    def local_routes(self) -> dict[str, Any]:
        from otel_llm.mockllm import anthropic_messages, errors
        from otel_llm.mockllm.routes import Route, versioned_key_auth

        def answer(call, server):
            return anthropic_messages.handle(call, server.prompt_cache)

        def count(call, _server):
            return anthropic_messages.count_tokens(call)

        text = anthropic_messages.user_text
        return {
            "/v1/messages": Route(errors.ANTHROPIC, text, answer, versioned_key_auth),
            "/v1/messages/count_tokens": Route(errors.ANTHROPIC, text, count, versioned_key_auth),
        }
