"""The one mechanism that carries prompt, experiment and conversation tags to spans.

``with otel_llm.tags(...)`` puts the tags in the OpenTelemetry context; ``LLMSpanProcessor`` copies
them onto LLM spans started inside the block. The prompt registry and experiments use the same
context, so nesting works: an inner block overrides only the tags it names.
``with otel_llm.session("conv-42", user_id="u-7"):`` does the same for the conversation and its end
user, on every span started inside (not only LLM ones): a conversation's turns are whole traces.
The context can also route spans to another tracer provider (``route_spans``), which server-side
calls use.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import Token

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Tracer, TracerProvider
from opentelemetry.util.types import AttributeValue

from otel_llm import attributes as attrs

_TAGS_KEY = otel_context.create_key("otel_llm.tags")

TagValue = str | int | bool | None
"""A tag as given (``None``: not set)."""

_FIELD_TO_ATTRIBUTE = {
    "prompt_name": attrs.GEN_AI_PROMPT_NAME,
    "prompt_version": attrs.GEN_AI_PROMPT_VERSION,
    "prompt_hash": attrs.PROMPT_HASH,
    "prompt_fallback": attrs.PROMPT_FALLBACK,
    "experiment": attrs.EXPERIMENT,
    "variant": attrs.EXPERIMENT_VARIANT,
}


def current_tags(ctx: otel_context.Context | None = None) -> Mapping[str, AttributeValue]:
    """Span attributes the current context asks LLM spans to carry."""
    found = otel_context.get_value(_TAGS_KEY, ctx)
    return found if isinstance(found, Mapping) else {}


def attach_tags(**fields: TagValue) -> Token[otel_context.Context]:
    """Attach tags to the current context; returns the token for ``detach_tags``."""
    unknown = set(fields) - set(_FIELD_TO_ATTRIBUTE)
    if unknown:
        raise TypeError(
            f"unknown tag(s): {', '.join(sorted(unknown))}; expected {', '.join(_FIELD_TO_ATTRIBUTE)}"
        )
    merged: dict[str, AttributeValue] = dict(current_tags())
    for field, value in fields.items():
        if value is None:
            continue
        merged[_FIELD_TO_ATTRIBUTE[field]] = str(value) if field == "prompt_version" else value
    return otel_context.attach(otel_context.set_value(_TAGS_KEY, merged))


def detach_tags(token: Token[otel_context.Context]) -> None:
    otel_context.detach(token)


@contextmanager
def tags(
    *,
    prompt_name: str | None = None,
    prompt_version: str | int | None = None,
    prompt_hash: str | None = None,
    prompt_fallback: bool | None = None,
    experiment: str | None = None,
    variant: str | None = None,
) -> Iterator[None]:
    """Tag every LLM span started in the block.

    Example::

        with otel_llm.tags(prompt_name="support", prompt_version=3, experiment="bakeoff", variant="b"):
            client.chat.completions.create(...)
    """
    token = attach_tags(
        prompt_name=prompt_name,
        prompt_version=prompt_version,
        prompt_hash=prompt_hash,
        prompt_fallback=prompt_fallback,
        experiment=experiment,
        variant=variant,
    )
    try:
        yield
    finally:
        detach_tags(token)


_SESSION_KEY = otel_context.create_key("otel_llm.session")


def current_session(ctx: otel_context.Context | None = None) -> Mapping[str, str]:
    """Span attributes (conversation id, user id) the current context asks every span to carry."""
    found = otel_context.get_value(_SESSION_KEY, ctx)
    return found if isinstance(found, Mapping) else {}


def session_user(ctx: otel_context.Context | None = None) -> str | None:
    """The end user of the current ``session`` block, if it named one."""
    return current_session(ctx).get(attrs.USER_ID)


def session_id(ctx: otel_context.Context | None = None) -> str | None:
    """The conversation id of the current ``session`` block, if any."""
    return current_session(ctx).get(attrs.GEN_AI_CONVERSATION_ID)


class session:  # noqa: N801 — used like a function: ``with otel_llm.session(...)``
    """Tag every span started in the block with a conversation id and, optionally, its end user.

    Spans carry ``gen_ai.conversation.id`` and ``user.id``; the console's Sessions page groups
    their traces into conversations, and ``otel_llm.experiment`` assigns by the session's user when
    no ``unit_id`` is given. Works with ``with`` and ``async with``; an inner block overrides what it
    names (``None`` keeps the outer value); an attribute a span sets itself wins.

    Example::

        with otel_llm.session("conv-42", user_id="u-7"):
            client.chat.completions.create(...)
    """

    def __init__(self, session_id: object = None, *, user_id: object = None) -> None:
        self.session_id = _tag_text(session_id)
        self.user_id = _tag_text(user_id)
        self._tokens: list[Token[otel_context.Context]] = []

    def __enter__(self) -> session:
        merged = dict(current_session())
        if self.session_id is not None:
            merged[attrs.GEN_AI_CONVERSATION_ID] = self.session_id
        if self.user_id is not None:
            merged[attrs.USER_ID] = self.user_id
        self._tokens.append(otel_context.attach(otel_context.set_value(_SESSION_KEY, merged)))
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._tokens:
            otel_context.detach(self._tokens.pop())

    async def __aenter__(self) -> session:
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.__exit__(*exc)


def _tag_text(value: object) -> str | None:
    """A tag value as stored: text, at most 200 characters (the column's size); blank is not set."""
    if value is None:
        return None
    text = str(value).strip()
    return text[:200] or None


_TRACER_PROVIDER_KEY = otel_context.create_key("otel_llm.call_tracer_provider")


def route_spans(provider: TracerProvider, ctx: otel_context.Context) -> otel_context.Context:
    """``ctx`` whose spans (our instrumentation's, ``call_tracer``'s) go to ``provider`` instead of
    the app's: how ``otel_llm.server_calls`` keeps the server's calls out of the app-wide pipeline."""
    return otel_context.set_value(_TRACER_PROVIDER_KEY, provider, ctx)


def call_tracer(name: str, ctx: otel_context.Context | None = None, default: Tracer | None = None) -> Tracer:
    """The tracer for spans started in ``ctx``: the routed provider's, else ``default`` or the global one."""
    provider = otel_context.get_value(_TRACER_PROVIDER_KEY, ctx)
    if isinstance(provider, TracerProvider):
        return provider.get_tracer(name)
    return default if default is not None else trace.get_tracer(name)
