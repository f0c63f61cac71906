"""The OpenAI adapter: chat completions and responses through the ``openai`` SDK, and every
OpenAI-compatible endpoint reached with it (``endpoints.py``)."""

from __future__ import annotations

import os
from typing import Any

from otel_llm.providers import errors
from otel_llm.providers.base import Endpoint, ProviderAdapter, Range, Usage
from otel_llm.providers.neutral import Neutral
from otel_llm.providers.openai import chat, endpoints, params

CHAT = "openai.chat.completions"
RESPONSES = "openai.responses"
_LOCAL_KEY = "mock-key-not-secret"
_NO_KEY = "not-needed"  # sent to an endpoint without a key variable, never another provider's key


class OpenAIAdapter(ProviderAdapter):
    name = endpoints.OPENAI
    label = chat.LABEL
    sdk = "openai"
    instrumentor = "otel_llm.instrumentation.openai:OpenAIInstrumentor"
    apis = (CHAT, RESPONSES)
    chat_api = CHAT
    body_params = {CHAT: params.CHAT, RESPONSES: params.RESPONSES}
    temperature = Range(0.0, 2.0)
    max_tokens = Range(1, float("inf"))
    cache_markers = ("prompt_cache_breakpoint",)
    example_model = "gpt-4o-mini"
    model_prefixes = ("gpt", "chatgpt", "o1", "o3", "o4", "text-embedding")
    cache_params = ("prompt_cache_key", "prompt_cache_options", "prompt_cache_retention")

    def provider_names(self) -> tuple[str, ...]:
        return endpoints.known_names()

    def endpoint(self, name: str | None = None) -> Endpoint:
        if not name or name == self.name:
            return Endpoint(self.name, os.environ.get("OPENAI_BASE_URL") or None, "OPENAI_API_KEY")
        found = endpoints.endpoint(name)
        if found is None or not found.base_url:
            raise errors.ProviderNotConfigured(
                f"provider {name!r} has no endpoint configured; set {endpoints.OTEL_LLM_PROVIDER_ENDPOINTS}"
                f"={name}=https://… (its OpenAI-compatible base URL)."
            )
        return found

    def key_variables(self, endpoint: str | None = None) -> tuple[str, ...]:
        """A self-hosted endpoint of ``OTEL_LLM_PROVIDER_ENDPOINTS`` may need no key; the others do."""
        if endpoint and endpoint != self.name and endpoint in endpoints.configured():
            return ()
        return super().key_variables(endpoint)

    def client(self, *, endpoint=None, local_url=None, is_async=False, max_retries=0) -> Any:
        import openai

        kwargs: dict[str, Any] = {"max_retries": max_retries}
        if local_url:
            kwargs.update(base_url=self.local_base_url(local_url), api_key=_LOCAL_KEY)
        else:
            target = self.endpoint(endpoint)
            if target.base_url:
                kwargs["base_url"] = target.base_url
            key = target.api_key()
            if key or target.name != self.name:
                kwargs["api_key"] = key or _NO_KEY
        return (openai.AsyncOpenAI if is_async else openai.OpenAI)(**kwargs)

    def local_base_url(self, root: str) -> str:
        return root.rstrip("/") + "/v1"

    def resource(self, client: Any, api: str) -> Any:
        return client.responses if api == RESPONSES else client.chat.completions

    def to_neutral(self, api: str, params: dict[str, Any]) -> Neutral:
        if api == RESPONSES:
            raise errors.CannotTranslate(
                "this span used the OpenAI Responses API, which replay translates to no other provider; "
                "replay it on openai (drop --provider)."
            )
        return chat.to_neutral(params)

    def from_neutral(self, neutral: Neutral) -> tuple[dict[str, Any], list[str]]:
        return chat.from_neutral(neutral)

    def set_max_tokens(self, api: str, params: dict[str, Any], value: int) -> None:
        if api == RESPONSES:
            params["max_output_tokens"] = value
        elif "max_tokens" in params and "max_completion_tokens" not in params:
            params["max_tokens"] = value
        else:
            params["max_completion_tokens"] = value

    def max_tokens_of(self, params: dict[str, Any]) -> Any:
        return (
            params.get("max_tokens") or params.get("max_completion_tokens") or params.get("max_output_tokens")
        )

    def set_system(self, api: str, params: dict[str, Any], text: str) -> list[str]:
        if api == RESPONSES:
            params["instructions"] = text
            return []
        messages = list(params.get("messages") or [])
        roles = ("system", "developer")
        index = next((i for i, m in enumerate(messages) if m.get("role") in roles), None)
        notes = []
        if index is None:
            messages.insert(0, {"role": "system", "content": text})
        else:
            messages[index] = {**messages[index], "content": text}
            later = [i for i, m in enumerate(messages) if i > index and m.get("role") in roles]
            if later:
                notes.append(f"only the first system message was replaced; {len(later)} later one(s) kept")
        params["messages"] = messages
        return notes

    def usage(self, response: Any) -> Usage | None:
        usage = getattr(response, "usage", None)
        if usage is None:
            return None
        input_tokens = getattr(usage, "prompt_tokens", None)
        if input_tokens is None:  # the Responses API
            input_tokens = getattr(usage, "input_tokens", None)
            details = getattr(usage, "input_tokens_details", None)
            output_tokens = getattr(usage, "output_tokens", None)
        else:
            details = getattr(usage, "prompt_tokens_details", None)
            output_tokens = getattr(usage, "completion_tokens", None)
        cached = getattr(details, "cached_tokens", None) or 0
        return Usage(input_tokens, output_tokens, cache_read_tokens=cached)

    def local_routes(self) -> dict[str, Any]:
        from otel_llm.mockllm import (
            errors,
            openai_chat,
            openai_completions,
            openai_embeddings,
            openai_responses,
        )
        from otel_llm.mockllm.routes import Route, bearer_auth

        def chat_answer(call, server):
            return openai_chat.handle(call, server.prompt_cache)

        def responses_answer(call, server):
            return openai_responses.handle(call, server.prompt_cache)

        return {
            "/v1/chat/completions": Route(errors.OPENAI, openai_chat.user_text, chat_answer, bearer_auth),
            "/v1/responses": Route(errors.OPENAI, openai_responses.user_text, responses_answer, bearer_auth),
            "/v1/embeddings": Route(
                errors.OPENAI,
                openai_embeddings.user_text,
                lambda call, _: openai_embeddings.handle(call),
                bearer_auth,
            ),
            "/v1/completions": Route(
                errors.OPENAI,
                openai_completions.user_text,
                lambda call, _: openai_completions.handle(call),
                bearer_auth,
            ),
        }
