"""The Gemini adapter: ``generate_content`` through Google's ``google-genai`` SDK, to the Gemini
Developer API (``gcp.gemini``) or Vertex AI (``gcp.vertex_ai``).

Keys and endpoints come from the SDK's own variables: ``GEMINI_API_KEY`` (or ``GOOGLE_API_KEY``)
and ``GOOGLE_GEMINI_BASE_URL``; for Vertex AI ``GOOGLE_API_KEY`` (express mode) or the
application-default credentials of ``GOOGLE_CLOUD_PROJECT`` / ``GOOGLE_CLOUD_LOCATION``, and
``GOOGLE_VERTEX_BASE_URL``. ``gcp.gen_ai`` (OpenInference's "any Google endpoint") is sent to the
Gemini Developer API.
"""

from __future__ import annotations

import os
from typing import Any

from otel_llm.instrumentation.gemini.generate import API
from otel_llm.instrumentation.gemini.parts import option
from otel_llm.providers.base import Endpoint, ProviderAdapter, Range, Usage
from otel_llm.providers.gemini import calls, contents
from otel_llm.providers.neutral import Neutral

GEMINI = "gcp.gemini"
VERTEX = "gcp.vertex_ai"
ANY_GOOGLE = "gcp.gen_ai"
_LOCAL_KEY = "mock-key-not-secret"


class GeminiAdapter(ProviderAdapter):
    name = GEMINI
    label = contents.LABEL
    sdk = "google.genai"
    instrumentor = "otel_llm.instrumentation.gemini:GeminiInstrumentor"
    apis = (API,)
    chat_api = API
    body_params = {API: calls.BODY}
    temperature = Range(0.0, 2.0)
    max_tokens = Range(1, float("inf"))
    example_model = "gemini-2.5-flash"
    model_prefixes = ("gemini",)

    def provider_names(self) -> tuple[str, ...]:
        return (GEMINI, VERTEX, ANY_GOOGLE)

    def endpoint(self, name: str | None = None) -> Endpoint:
        if name == VERTEX:
            return Endpoint(VERTEX, os.environ.get("GOOGLE_VERTEX_BASE_URL") or None, "GOOGLE_API_KEY")
        key = "GEMINI_API_KEY" if os.environ.get("GEMINI_API_KEY") else "GOOGLE_API_KEY"
        return Endpoint(GEMINI, os.environ.get("GOOGLE_GEMINI_BASE_URL") or None, key)

    def key_variables(self, endpoint: str | None = None) -> tuple[str, ...]:
        if endpoint == VERTEX:
            return ("GOOGLE_API_KEY", "GOOGLE_CLOUD_PROJECT", "GOOGLE_APPLICATION_CREDENTIALS")
        return ("GEMINI_API_KEY", "GOOGLE_API_KEY")

    def client(self, *, endpoint=None, local_url=None, is_async=False, max_retries=0) -> Any:
        from google import genai
        from google.genai import types

        target = self.endpoint(endpoint)
        retry = types.HttpRetryOptions(attempts=max_retries + 1)
        options = types.HttpOptions(retry_options=retry)
        kwargs: dict[str, Any] = {"vertexai": target.name == VERTEX}
        if local_url:
            options.base_url = self.local_base_url(local_url)
            kwargs["api_key"] = _LOCAL_KEY
        elif target.api_key():
            kwargs["api_key"] = target.api_key()
        client = genai.Client(http_options=options, **kwargs)
        return client.aio if is_async else client

    def local_base_url(self, root: str) -> str:
        return root.rstrip("/")

    def resource(self, client: Any, api: str) -> Any:
        return calls.GenerateContent(client.models)

    def allowed(self, api: str, params: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        kept, dropped = super().allowed(api, params)
        if "config" in kept:
            config, more = calls.allowed_config(kept["config"])
            dropped += more
            if config is None:
                kept.pop("config")
            else:
                kept["config"] = config
        return kept, dropped

    def to_neutral(self, api: str, params: dict[str, Any]) -> Neutral:
        return contents.to_neutral(params)

    def from_neutral(self, neutral: Neutral) -> tuple[dict[str, Any], list[str]]:
        return contents.from_neutral(neutral, self.temperature.high)

    def set_temperature(self, api: str, params: dict[str, Any], value: float) -> None:
        _config(params)["temperature"] = value

    def set_max_tokens(self, api: str, params: dict[str, Any], value: int) -> None:
        config = _config(params)
        config.pop("maxOutputTokens", None)
        config["max_output_tokens"] = value

    def set_system(self, api: str, params: dict[str, Any], text: str) -> list[str]:
        config = _config(params)
        config.pop("systemInstruction", None)
        config["system_instruction"] = text
        return []

    def temperature_of(self, params: dict[str, Any]) -> Any:
        return option(params.get("config"), "temperature")

    def max_tokens_of(self, params: dict[str, Any]) -> Any:
        return option(params.get("config"), "max_output_tokens")

    def usage(self, response: Any) -> Usage | None:
        usage = getattr(response, "usage_metadata", None)
        if usage is None:
            return None
        thoughts = usage.thoughts_token_count or 0
        output = None if usage.candidates_token_count is None else usage.candidates_token_count + thoughts
        return Usage(
            usage.prompt_token_count, output, cache_read_tokens=usage.cached_content_token_count or 0
        )

    def local_routes(self) -> dict[Any, Any]:
        from otel_llm.mockllm import errors, gemini
        from otel_llm.mockllm.routes import Route, google_key_auth

        def answer(call, server):
            return gemini.handle(call, server.prompt_cache)

        return {gemini.PATH: Route(errors.GEMINI, gemini.user_text, answer, google_key_auth)}


def _config(params: dict[str, Any]) -> dict[str, Any]:
    config = params.get("config")
    config = dict(config) if isinstance(config, dict) else {}
    params["config"] = config
    return config
