"""What an app calls: ``otel_llm.get_prompt``.

Example::

    prompt = otel_llm.get_prompt("support-agent", fallback="You help {{customer}}.")
    with prompt:                                   # LLM spans in the block carry the prompt's tags
        client.chat.completions.create(
            model=prompt.config.get("model", "gpt-4o-mini"),
            messages=[{"role": "system", "content": prompt.render(customer="Ada")}, ...],
        )

A chat prompt (messages, tools, a response format) renders straight to a provider's call arguments,
through that provider's adapter (``otel_llm.providers``)::

    prompt = otel_llm.get_prompt("support-chat")
    with prompt:
        client.chat.completions.create(**prompt.openai_kwargs(customer="Ada"))
        anthropic_client.messages.create(**prompt.anthropic_kwargs(customer="Ada"))
        genai_client.models.generate_content(**prompt.gemini_kwargs(customer="Ada"))

Tags apply inside ``with prompt:`` (and ``async with``), through the same context as
``otel_llm.tags``: ``gen_ai.prompt.name``, ``gen_ai.prompt.version``, ``otel_llm.prompt.hash`` and, for
a fallback, ``otel_llm.prompt.fallback=true``. ``render()`` alone does not tag.

The prompt comes from the database (``OTEL_LLM_DATABASE_URL``) or, when ``OTEL_LLM_API_URL`` is set,
from the console's JSON API with ``OTEL_LLM_API_KEY``. It is cached for ``cache_ttl`` seconds (default
60; a fixed ``version=`` never expires); past that the cached prompt is served while a background
thread refreshes it. When the backend fails (or has no such prompt) the app gets the cached prompt,
else the ``fallback=`` template; only when there is neither does ``get_prompt`` raise
``PromptUnavailable``.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from opentelemetry.context import Context

from otel_llm import pipeline, settings
from otel_llm.cache import DEFAULT_TTL_SECONDS, TTLCache
from otel_llm.context import TagValue, attach_tags, detach_tags
from otel_llm.hashing import text_hash
from otel_llm.masking import fingerprint, mask_url, short_error
from otel_llm.prompts import chat, formats
from otel_llm.prompts.errors import InvalidInput, PromptUnavailable

if TYPE_CHECKING:
    import httpx

    from otel_llm.providers.neutral import Neutral

logger = logging.getLogger(__name__)

API_TIMEOUT_SECONDS = 2.0
PRODUCTION = "production"
RETRY_AFTER_SECONDS = 5.0  # after a failed first fetch, no fetch is tried for this long

_cache = TTLCache("prompt", retry_after=RETRY_AFTER_SECONDS)
_active: ContextVar[tuple[Token[Context], ...]] = ContextVar("otel_llm_prompt_tokens", default=())


class Prompt:
    """One prompt version as the app uses it (or the fallback template, ``is_fallback`` True)."""

    def __init__(
        self,
        name: str,
        template: str,
        *,
        version: int | None = None,
        config: dict[str, Any] | None = None,
        hash: str | None = None,
        labels: tuple[str, ...] = (),
        is_fallback: bool = False,
        kind: str = "text",
        template_format: str = formats.SIMPLE,
        messages: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (),
        tools: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (),
        response_format: dict[str, Any] | None = None,
        includes: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (),
    ):
        self.name = name
        self.template = template
        self.version = version
        self.config = dict(config or {})
        self.hash = hash or text_hash(template)
        self.labels = tuple(labels)
        self.is_fallback = is_fallback
        self.kind = kind
        self.template_format = template_format
        self.messages = [dict(m) for m in messages]
        self.tools = [dict(t) for t in tools]
        self.response_format = dict(response_format) if response_format else None
        self.sources = {i["ref"]: i["template"] for i in includes}

    def __repr__(self) -> str:
        which = "fallback" if self.is_fallback else f"v{self.version}"
        return f"<Prompt {self.name}@{which} {self.hash[:12]}>"

    @property
    def is_chat(self) -> bool:
        return self.kind == "chat"

    def _texts(self) -> list[str]:
        return [m["content"] for m in self.messages] if self.is_chat else [self.template]

    @property
    def variables(self) -> list[str]:
        found: list[str] = []
        for text in self._texts():
            found += [
                v for v in formats.variables(self.template_format, text, self.sources) if v not in found
            ]
        return found

    def _render(self, text: str, values: dict[str, object]) -> str:
        return formats.render(self.template_format, text, values, self.name, self.sources)

    def render(self, **values: object) -> str:
        """The template with its variables filled in (a chat prompt: its system messages);
        ``MissingVariable`` names any value not given."""
        if self.is_chat:
            return "\n\n".join(m["content"] for m in self.render_messages(**values) if m["role"] == "system")
        return self._render(self.template, values)

    def render_messages(self, **values: object) -> list[dict[str, Any]]:
        """The chat messages with their templates rendered (a text prompt: one system message)."""
        # Jinja checks at render (``{% if x is defined %}`` makes x optional); simple names them all
        missing = (
            [v for v in self.variables if v not in values] if self.template_format == formats.SIMPLE else []
        )
        if missing:
            from otel_llm.prompts.errors import MissingVariable

            raise MissingVariable(self.name, missing)
        if not self.is_chat:
            return [{"role": "system", "content": self._render(self.template, values)}]
        return [m | {"content": self._render(m["content"], values)} for m in self.messages]

    def neutral(self, **values: object) -> Neutral:
        """The rendered prompt in the provider-neutral request form, with its tools, response
        format and model parameters (``config``)."""
        return chat.to_neutral(self.render_messages(**values), self.tools, self.response_format, self.config)

    def kwargs(self, provider: str, **values: object) -> dict[str, Any]:
        """Keyword arguments of ``provider``'s chat call (its adapter's ``from_neutral``), e.g.
        ``client.chat.completions.create(**prompt.kwargs("openai", customer="Ada"))``."""
        from otel_llm import providers

        neutral = self.neutral(**values)
        if not neutral.model:
            raise InvalidInput(
                f"prompt {self.name!r} names no model; add one to its config (model: ...) or set "
                "kwargs['model'] yourself."
            )
        params, warnings = providers.adapter(provider).from_neutral(neutral)
        for warning in warnings:
            logger.debug("otel-llm: prompt %s for %s: %s", self.name, provider, warning)
        return params

    def openai_kwargs(self, **values: object) -> dict[str, Any]:
        """``client.chat.completions.create(**prompt.openai_kwargs(...))``."""
        return self.kwargs("openai", **values)

    def anthropic_kwargs(self, **values: object) -> dict[str, Any]:
        """``client.messages.create(**prompt.anthropic_kwargs(...))``."""
        return self.kwargs("anthropic", **values)

    def gemini_kwargs(self, **values: object) -> dict[str, Any]:
        """``client.models.generate_content(**prompt.gemini_kwargs(...))``."""
        from otel_llm.providers.gemini import GEMINI

        return self.kwargs(GEMINI, **values)

    def tags(self) -> dict[str, TagValue]:
        """The tags LLM spans get inside ``with prompt:``."""
        return {
            "prompt_name": self.name,
            "prompt_version": self.version,
            "prompt_hash": self.hash,
            "prompt_fallback": True if self.is_fallback else None,
        }

    def __enter__(self) -> Prompt:
        token = attach_tags(**self.tags())
        _active.set((*_active.get(), token))
        return self

    def __exit__(self, *_exc: object) -> None:
        tokens = _active.get()
        if tokens:
            _active.set(tokens[:-1])
            detach_tags(tokens[-1])

    async def __aenter__(self) -> Prompt:
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.__exit__(*exc)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Prompt:
        return cls(
            data["name"],
            data["template"],
            version=data["version"],
            config=data.get("config") or {},
            hash=data["version_hash"],
            labels=tuple(data.get("labels") or ()),
            kind=data.get("kind") or "text",
            template_format=data.get("template_format") or formats.SIMPLE,
            messages=data.get("messages") or (),
            tools=data.get("tools") or (),
            response_format=data.get("response_format"),
            includes=data.get("includes") or (),
        )


def get_prompt(
    name: str,
    *,
    label: str | None = None,
    version: int | None = None,
    fallback: str | None = None,
    cache_ttl: float | None = DEFAULT_TTL_SECONDS,
    project: str | None = None,
    database_url: str | None = None,
    api_url: str | None = None,
    api_key: str | None = None,
) -> Prompt:
    """The prompt ``name`` at ``label`` (default ``production``) or at ``version`` (see module doc)."""
    if label is not None and version is not None:
        raise ValueError("get_prompt takes label= or version=, not both.")
    label = None if version is not None else (label or PRODUCTION)
    source = _source(project, database_url, api_url, api_key)
    key = (source.key, name, label, version)
    ttl = None if version is not None else cache_ttl
    try:
        return _cache.get(key, lambda: source.fetch(name, label, version), ttl)
    except Exception as exc:
        return _fallback(name, label, version, fallback, exc)


def _fallback(
    name: str, label: str | None, version: int | None, fallback: str | None, exc: Exception
) -> Prompt:
    which = f"v{version}" if version is not None else label
    if fallback is None:
        raise PromptUnavailable(
            f"prompt {name}@{which} is unavailable ({short_error(exc)}) and nothing is cached; pass fallback= "
            "to get_prompt to keep working when the registry cannot be reached."
        ) from exc
    logger.warning(
        "otel-llm: prompt %s@%s unavailable (%s); using the fallback template", name, which, short_error(exc)
    )
    return Prompt(name, fallback, is_fallback=True)


def clear_cache() -> None:
    """Forget cached prompts (tests; or after changing a prompt in the same process)."""
    _cache.clear()


def _source(
    project: str | None, database_url: str | None, api_url: str | None, api_key: str | None
) -> _DatabaseSource | _ApiSource:
    base = settings.api_url(api_url)
    if base:
        return _ApiSource(base, settings.api_key(api_key))
    return _DatabaseSource(pipeline.app_database_url(database_url), pipeline.app_project(project))


class _DatabaseSource:
    def __init__(self, url: str, project: str):
        self.url, self.project = url, project
        self.key = ("db", mask_url(url), fingerprint(url), project)  # no password in the cache key

    def fetch(self, name: str, label: str | None, version: int | None) -> Prompt:
        from otel_llm.prompts import catalog, versions
        from otel_llm.prompts.names import PromptRef
        from otel_llm.storage.db import get_engine

        engine = get_engine(_with_connect_timeout(self.url))
        pid = catalog.project_id(engine, self.project)
        found = versions.resolve(engine, pid, PromptRef(name, version, label), strict_label=True)
        return Prompt.from_dict(found.to_dict())


def _with_connect_timeout(url: str) -> str:
    """Postgres URLs get a short connect timeout, so an unreachable server fails fast."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or "connect_timeout" in parsed.query:
        return url
    return parsed.update_query_dict({"connect_timeout": "3"}).render_as_string(hide_password=False)


class _ApiSource:
    def __init__(self, base: str, key: str | None):
        self.base, self.api_key = base.rstrip("/"), key
        self.key = ("api", mask_url(self.base), fingerprint(f"{self.base} {key}"))  # no API key in it

    def fetch(self, name: str, label: str | None, version: int | None) -> Prompt:
        import httpx

        params = {"version": version} if version is not None else {"label": label}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        response = httpx.get(
            f"{self.base}/api/v1/prompts/{name}/resolve",
            params=params,
            headers=headers,
            timeout=API_TIMEOUT_SECONDS,
        )
        if response.status_code >= 400:
            raise LookupError(_api_error(response))
        return Prompt.from_dict(response.json()["version"])


def _api_error(response: httpx.Response) -> str:
    try:
        return f"HTTP {response.status_code}: {response.json()['error']['message']}"
    except Exception:
        return f"HTTP {response.status_code}"
