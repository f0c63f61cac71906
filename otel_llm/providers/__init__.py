"""The provider registry: one adapter per provider, found through the ``otel_llm_providers``
entry-point group (the built-in ones register the same way, in ``pyproject.toml``).

Replay, experiments, validation, the console, the API schema, the CLI and the local provider ask
the registry; none names a provider. An adapter (``otel_llm.providers.base.ProviderAdapter``) says
its SDK client, API names, parameters, neutral form, usage and instrumentation; see
``docs/adding-a-provider.md``.

Endpoints and keys come from each SDK's own environment variables (``OPENAI_BASE_URL``,
``OPENAI_API_KEY``, ``ANTHROPIC_BASE_URL``, ``ANTHROPIC_API_KEY``…) and, for OpenAI-compatible
endpoints, ``OTEL_LLM_PROVIDER_ENDPOINTS``; ``OTEL_LLM_MOCK_URL`` (or ``base_url=``) points every
adapter at the local provider. Keys are passed to the SDK only, never recorded.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any

from otel_llm import settings
from otel_llm.providers.base import ProviderAdapter
from otel_llm.providers.errors import (
    CannotTranslate,
    MissingCredentials,
    ProviderNotConfigured,
    UnknownProvider,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "CannotTranslate",
    "MissingCredentials",
    "ProviderAdapter",
    "ProviderNotConfigured",
    "UnknownProvider",
    "adapter",
    "adapters",
    "check_credentials",
    "check_provider",
    "client",
    "for_api",
    "names",
    "resolve",
]

ENTRY_POINT_GROUP = "otel_llm_providers"

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def adapters() -> dict[str, ProviderAdapter]:
    """Every registered adapter by provider name, sorted by name. An entry point that fails to load
    is logged and skipped (a broken third-party plug-in does not take the product down)."""
    found: dict[str, ProviderAdapter] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = point.load()
            adapter_ = loaded() if isinstance(loaded, type) else loaded
            if not isinstance(adapter_, ProviderAdapter) or not adapter_.name:
                raise TypeError("not a named ProviderAdapter")
        except Exception as exc:
            logger.warning("otel-llm: provider adapter %r ignored: %s", point.value, exc)
            continue
        found.setdefault(adapter_.name, adapter_)
    return dict(sorted(found.items()))


def adapter(name: str) -> ProviderAdapter:
    """The adapter of provider ``name``, or of the adapter that reaches endpoint ``name``."""
    return resolve(name)[0]


def names() -> tuple[str, ...]:
    """Every provider name the product can call: adapters, then the endpoints they reach."""
    out = dict.fromkeys(adapters())
    for found in adapters().values():
        out.update(dict.fromkeys(found.provider_names()))
    return tuple(out)


def provider_for_model(model: str | None) -> str | None:
    """The provider whose models are named like ``model`` (``claude-*`` -> anthropic), or None."""
    name = (model or "").strip().lower().rsplit("/", 1)[-1]
    for adapter_ in adapters().values():
        if any(name.startswith(prefix) for prefix in adapter_.model_prefixes):
            return adapter_.name
    return None


def check_provider(name: str) -> str:
    resolve(name)
    return name


def check_credentials(provider: str, base_url: str | None = None) -> None:
    """``MissingCredentials`` (one sentence: what to set) when calls to ``provider`` could not
    authenticate: none of its key variables is set and no local provider is given."""
    found, endpoint = resolve(provider)
    try:
        names = found.key_variables(endpoint)
    except ProviderNotConfigured as exc:
        raise MissingCredentials(str(exc)) from exc
    if not names or settings.mock_url(base_url) or any(os.environ.get(name) for name in names):
        return
    raise MissingCredentials(
        f"no credentials for provider {provider!r}: set {' or '.join(names)}, "
        "or --base-url (OTEL_LLM_MOCK_URL) to call the local provider."
    )


def resolve(name: str | None) -> tuple[ProviderAdapter, str]:
    """``(adapter, provider name)`` for a provider name; ``UnknownProvider`` says which exist."""
    registered = adapters()
    if name in registered:
        return registered[name], name
    for found in registered.values():
        if name in found.provider_names():
            return found, name
    raise UnknownProvider(f"unknown provider {name!r}; expected one of: {', '.join(names())}")


def for_api(api: str | None) -> ProviderAdapter | None:
    """The adapter that serves request-record API ``api`` (``openai.chat.completions``), if any."""
    return next((a for a in adapters().values() if api in a.apis), None)


def temperature_bounds() -> tuple[float, float]:
    """The widest temperature range any provider takes (each adapter checks its own)."""
    ranges = [a.temperature for a in adapters().values()]
    return min(r.low for r in ranges), max(r.high for r in ranges)


def cache_markers() -> tuple[str, ...]:
    """Every provider's prompt-cache marker keys (removed everywhere by ``--no-cache``)."""
    return tuple(dict.fromkeys(m for a in adapters().values() for m in a.cache_markers))


def apis() -> tuple[str, ...]:
    return tuple(api for found in adapters().values() for api in found.apis)


def client(
    provider: str, *, base_url: str | None = None, is_async: bool = False, max_retries: int = 0
) -> Any:
    """A real SDK client for ``provider`` (an adapter's name or an endpoint it reaches).
    ``base_url`` (or ``OTEL_LLM_MOCK_URL``) is the local provider's root, for every provider."""
    found, endpoint = resolve(provider)
    return found.client(
        endpoint=endpoint, local_url=settings.mock_url(base_url), is_async=is_async, max_retries=max_retries
    )
