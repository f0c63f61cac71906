"""What a provider adapter says about its provider; every adapter subclasses ``ProviderAdapter``.

The registry (``otel_llm.providers``) finds adapters through the ``otel_llm_providers`` entry-point
group; replay, experiments, validation, the console, the API schema, the CLI and the local provider
ask it. Nothing outside an adapter names a provider.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from otel_llm.providers.neutral import Neutral

NEVER_FROM_A_RECORD = (
    "extra_headers",
    "extra_query",
    "timeout",
    "api_key",
    "base_url",
    "max_retries",
    "default_headers",
    "default_query",
)
"""SDK options a stored request record may carry but replay never takes: they steer the transport
(where the call goes, with which credentials), not what is asked."""


@dataclass(frozen=True)
class Range:
    """A numeric request parameter: its bounds and the default sent when one is required."""

    low: float
    high: float
    default: float | None = None

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def words(self) -> str:
        return f"{self.low} to {self.high}"


@dataclass(frozen=True)
class Usage:
    """Tokens of one response, in the price book's terms (input includes cache reads and writes)."""

    input_tokens: int | None
    output_tokens: int | None
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True)
class Endpoint:
    """Where an adapter's SDK sends a call: a provider name, a base URL and the key's variable.

    ``base_url`` None means the SDK's own default (and its own ``*_BASE_URL`` variable)."""

    name: str
    base_url: str | None = None
    key_env: str | None = None

    def api_key(self) -> str | None:
        return os.environ.get(self.key_env) if self.key_env else None


class ProviderAdapter:
    """Everything the product knows of one provider. Subclasses set the class attributes and
    implement the methods that raise ``NotImplementedError``."""

    name: str = ""
    """``gen_ai.provider.name`` of the provider (semantic conventions), also its name in the product."""
    label: str = ""
    """How warnings name the provider's API ("OpenAI chat", "Anthropic")."""
    sdk: str = ""
    """Import name of the SDK the adapter drives (``openai``)."""
    instrumentor: str = ""
    """``module:Class`` of the instrumentor of that SDK."""
    apis: tuple[str, ...] = ()
    """Request-record ``api`` names this provider serves (``openai.chat.completions``)."""
    chat_api: str = ""
    """The API a request translated from another provider, or rebuilt from attributes, is sent to."""
    body_params: dict[str, frozenset[str]] = {}
    """Per API, the parameters the provider's API defines for the request body: all a replay sends."""
    temperature = Range(0.0, 2.0)
    max_tokens = Range(1, float("inf"))
    """``default`` is sent when the API requires a limit and none was given."""
    example_model: str = ""
    # How this provider's own model names start (``claude``): ``--model`` alone picks the provider.
    model_prefixes: tuple[str, ...] = ()
    cache_params: tuple[str, ...] = ()
    """Top-level parameters that steer prompt caching (removed by ``--no-cache``)."""
    cache_markers: tuple[str, ...] = ()
    """Keys that mark a cache breakpoint anywhere in a request (removed by ``--no-cache``)."""

    # --- SDK client -------------------------------------------------------------------------

    def endpoint(self, name: str | None = None) -> Endpoint:
        """The endpoint named ``name`` (a provider this adapter reaches), default: the provider's own."""
        return Endpoint(self.name)

    def provider_names(self) -> tuple[str, ...]:
        """Every provider name this adapter reaches (itself, then any compatible endpoints)."""
        return (self.name,)

    def key_variables(self, endpoint: str | None = None) -> tuple[str, ...]:
        """The environment variables the SDK reads its key from, for ``endpoint`` (any one is
        enough; none: the endpoint needs no key)."""
        key_env = self.endpoint(endpoint).key_env
        return (key_env,) if key_env else ()

    def client(
        self,
        *,
        endpoint: str | None = None,
        local_url: str | None = None,
        is_async: bool = False,
        max_retries: int = 0,
    ) -> Any:
        """A real SDK client. ``local_url`` (the local provider's root) wins over the endpoint."""
        raise NotImplementedError

    def local_base_url(self, root: str) -> str:
        """The SDK's ``base_url`` for the local provider served at ``root``."""
        return root

    def resource(self, client: Any, api: str) -> Any:
        """The SDK object whose ``create``/``stream`` methods make an ``api`` call."""
        raise NotImplementedError

    # --- requests ---------------------------------------------------------------------------

    def to_neutral(self, api: str, params: dict[str, Any]) -> Neutral:
        raise NotImplementedError

    def from_neutral(self, neutral: Neutral) -> tuple[dict[str, Any], list[str]]:
        """``chat_api`` keyword arguments for ``neutral``, and what could not be expressed."""
        raise NotImplementedError

    def set_temperature(self, api: str, params: dict[str, Any], value: float) -> None:
        params["temperature"] = value

    def set_max_tokens(self, api: str, params: dict[str, Any], value: int) -> None:
        params["max_tokens"] = value

    def set_system(self, api: str, params: dict[str, Any], text: str) -> list[str]:
        """Replace the system prompt in place; returns notes on what was kept."""
        raise NotImplementedError

    def temperature_of(self, params: dict[str, Any]) -> Any:
        return params.get("temperature")

    def max_tokens_of(self, params: dict[str, Any]) -> Any:
        return params.get("max_tokens")

    def allowed(self, api: str, params: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Only the body parameters ``api`` defines (also inside ``extra_body``), and the names of
        what was dropped. Stored request records are untrusted: headers, query, base URL, key,
        timeout and retries are never taken from one."""
        known = self.body_params.get(api, frozenset())
        kept = {k: v for k, v in params.items() if k in known}
        dropped = [k for k in params if k not in known and k != "extra_body"]
        extra = params.get("extra_body")
        if isinstance(extra, dict):
            body = {k: v for k, v in extra.items() if k in known}
            dropped += [f"extra_body.{k}" for k in extra if k not in known]
            if body:
                kept["extra_body"] = body
        elif extra is not None:
            dropped.append("extra_body")
        return kept, dropped

    # --- responses --------------------------------------------------------------------------

    def usage(self, response: Any) -> Usage | None:
        """Token counts of an SDK response object (None when it reports none)."""
        raise NotImplementedError

    # --- the local provider -----------------------------------------------------------------

    def local_routes(self) -> dict[str, Any]:
        """Paths the local provider (``otel_llm.mockllm``) serves for this provider's APIs:
        ``path -> mockllm.routes.Route``."""
        return {}
