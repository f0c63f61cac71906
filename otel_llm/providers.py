"""SDK clients for the providers that automated runs and replays call.

Endpoints and keys come from each SDK's own environment variables (``OPENAI_BASE_URL``,
``OPENAI_API_KEY``, ``ANTHROPIC_BASE_URL``, ``ANTHROPIC_API_KEY``); ``OTEL_LLM_MOCK_URL`` (or
``base_url=``) points both at the local provider. Keys are passed to the SDK only, never recorded.
"""

from __future__ import annotations

import os

from otel_llm import settings

PROVIDERS = ("openai", "anthropic")

_MOCK_KEY = "mock-key-not-secret"


# What each SDK reads its credentials from (without them its client cannot authenticate).
_KEY_VARIABLES = {"openai": ("OPENAI_API_KEY",), "anthropic": ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")}


class UnknownProvider(ValueError):
    pass


class MissingCredentials(ValueError):
    pass


def check_provider(name: str) -> str:
    if name not in PROVIDERS:
        raise UnknownProvider(f"unknown provider {name!r}; expected one of: {', '.join(PROVIDERS)}")
    return name


def check_credentials(provider: str, base_url: str | None = None) -> None:
    """``MissingCredentials`` (one sentence: what to set) when calls to ``provider`` could not authenticate."""
    check_provider(provider)
    names = _KEY_VARIABLES[provider]
    if settings.mock_url(base_url) or any(os.environ.get(name) for name in names):
        return
    raise MissingCredentials(
        f"no credentials for provider {provider!r}: set {' or '.join(names)}, "
        "or --base-url (OTEL_LLM_MOCK_URL) to call the local provider."
    )


def _base(provider: str, base_url: str | None) -> tuple[str | None, str | None]:
    mock = settings.mock_url(base_url)
    if mock:
        root = mock.rstrip("/")
        return (root + "/v1" if provider == "openai" else root), _MOCK_KEY
    env = "OPENAI" if provider == "openai" else "ANTHROPIC"
    return os.environ.get(f"{env}_BASE_URL") or None, os.environ.get(f"{env}_API_KEY") or None


def client(provider: str, *, base_url: str | None = None, is_async: bool = False, max_retries: int = 0):
    """A real SDK client for ``provider`` (``openai`` or ``anthropic``)."""
    check_provider(provider)
    url, key = _base(provider, base_url)
    if provider == "openai":
        import openai

        cls = openai.AsyncOpenAI if is_async else openai.OpenAI
    else:
        import anthropic

        cls = anthropic.AsyncAnthropic if is_async else anthropic.Anthropic
    kwargs = {"max_retries": max_retries}
    if url:
        kwargs["base_url"] = url
    if key:
        kwargs["api_key"] = key
    return cls(**kwargs)
