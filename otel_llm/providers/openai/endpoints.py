"""OpenAI-compatible endpoints: which provider a client's base URL reaches, and where a replay goes.

Many providers serve the OpenAI API (Azure OpenAI, Mistral, Groq, Together, OpenRouter, vLLM,
Ollama…); apps reach them with the ``openai`` SDK and a ``base_url``. The span's
``gen_ai.provider.name`` is the provider the URL names (``KNOWN`` below, or a name the user gave a
self-hosted endpoint in ``OTEL_LLM_PROVIDER_ENDPOINTS``, see ``otel_llm.settings``), so cost uses that provider's prices and a
replay goes back to that provider, by name: a replay never takes a URL from a span.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from urllib.parse import urlsplit

from otel_llm import settings
from otel_llm.providers.base import Endpoint

logger = logging.getLogger(__name__)

OPENAI = "openai"

OTEL_LLM_PROVIDER_ENDPOINTS = settings.OTEL_LLM_PROVIDER_ENDPOINTS

# host (or host suffix, with a leading dot) -> the provider's public endpoint.
# Names follow the GenAI semantic conventions where they have one.
KNOWN: dict[str, Endpoint] = {
    "api.openai.com": Endpoint(OPENAI, None, "OPENAI_API_KEY"),
    ".openai.azure.com": Endpoint("azure.ai.openai", None, "AZURE_OPENAI_API_KEY"),
    ".services.ai.azure.com": Endpoint("azure.ai.openai", None, "AZURE_OPENAI_API_KEY"),
    "api.mistral.ai": Endpoint("mistral_ai", "https://api.mistral.ai/v1", "MISTRAL_API_KEY"),
    "api.groq.com": Endpoint("groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY"),
    "api.together.xyz": Endpoint("together_ai", "https://api.together.xyz/v1", "TOGETHER_API_KEY"),
    "api.together.ai": Endpoint("together_ai", "https://api.together.xyz/v1", "TOGETHER_API_KEY"),
    "openrouter.ai": Endpoint("openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
    "api.deepseek.com": Endpoint("deepseek", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY"),
    "api.x.ai": Endpoint("x_ai", "https://api.x.ai/v1", "XAI_API_KEY"),
    "api.perplexity.ai": Endpoint("perplexity", "https://api.perplexity.ai", "PERPLEXITY_API_KEY"),
    "api.fireworks.ai": Endpoint(
        "fireworks_ai", "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY"
    ),
    "localhost:11434": Endpoint("ollama", "http://localhost:11434/v1", None),
    "127.0.0.1:11434": Endpoint("ollama", "http://localhost:11434/v1", None),
}

_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")


def _normal(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def _key_env(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", name.upper()) + "_API_KEY"


def configured(raw: str | None = None) -> dict[str, Endpoint]:
    """The endpoints of ``OTEL_LLM_PROVIDER_ENDPOINTS``; a malformed pair is logged (once) and skipped."""
    return dict(_parse(settings.provider_endpoints(raw)))


@lru_cache(maxsize=8)
def _parse(raw: str) -> tuple[tuple[str, Endpoint], ...]:
    found: dict[str, Endpoint] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        name, _, url = (s.strip() for s in pair.partition("="))
        name = name.lower()
        if not _NAME.match(name) or urlsplit(url).scheme not in ("http", "https"):
            logger.warning(
                "otel-llm: %s entry %r ignored: use NAME=http(s)://host[:port]/path",
                OTEL_LLM_PROVIDER_ENDPOINTS,
                pair,
            )
            continue
        found[name] = Endpoint(name, url.rstrip("/"), _key_env(name))
    return tuple(found.items())


def known_names() -> tuple[str, ...]:
    """Every provider name an OpenAI client may be recorded as (``openai`` first)."""
    names = dict.fromkeys([OPENAI, *(e.name for e in KNOWN.values()), *configured()])
    return tuple(names)


def endpoint(name: str) -> Endpoint | None:
    """The endpoint a replay of provider ``name`` is sent to (configured first, then ``KNOWN``)."""
    mine = configured().get(name)
    if mine is not None:
        return mine
    return next((e for e in KNOWN.values() if e.name == name), None)


def provider_for_url(url: str | None) -> str:
    """The provider a client with base URL ``url`` reaches; ``openai`` when the URL is unknown."""
    if not url:
        return OPENAI
    normal = _normal(str(url))
    for name, found in configured().items():
        if found.base_url and (normal + "/").startswith(_normal(found.base_url) + "/"):
            return name
    host = urlsplit(normal).netloc
    bare = host.rsplit(":", 1)[0] if host.endswith((":443", ":80")) else host
    for pattern, found in KNOWN.items():
        if bare == pattern or (pattern.startswith(".") and bare.endswith(pattern)):
            return found.name
    return OPENAI


_BY_URL: dict[int, tuple[object, str]] = {}
_MAX_CACHED = 256


def provider_of_client(client: object) -> str:
    """``provider_for_url`` of an SDK client's ``base_url``, cached per URL object (the hot path)."""
    url = getattr(client, "_base_url", None)
    cached = _BY_URL.get(id(url))
    if cached is not None and cached[0] is url:
        return cached[1]
    name = provider_for_url(str(url) if url is not None else None)
    if len(_BY_URL) >= _MAX_CACHED:
        _BY_URL.clear()
    _BY_URL[id(url)] = (url, name)
    return name


def forget() -> None:
    """Forget cached lookups (after ``OTEL_LLM_PROVIDER_ENDPOINTS`` changed)."""
    _BY_URL.clear()
