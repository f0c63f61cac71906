"""Cross-provider translation of a request, through the provider-neutral form.

``translate(source_api, target, params)`` asks the adapter of ``source_api`` for the neutral form
(GenAI semantic-convention messages, system instructions, tools and parameters) and the ``target``
adapter for its request: N adapters, not a translator per pair. Every parameter or content part
one side cannot express is named in the warnings (and not sent); nothing is dropped silently.
"""

from __future__ import annotations

from typing import Any

from otel_llm import providers
from otel_llm.providers.neutral import not_carried
from otel_llm.replay.errors import InvalidOverride


def translate(source_api: str, target: str, params: dict[str, Any]) -> tuple[str, dict[str, Any], list[str]]:
    """``(target api, target params, warnings)`` for ``params`` of ``source_api`` sent to provider
    ``target``. ``InvalidOverride`` when the source API cannot be translated."""
    source = providers.for_api(source_api)
    if source is None:
        raise InvalidOverride(f"requests of {source_api!r} cannot be translated to another provider.")
    destination = providers.adapter(target)
    try:
        neutral = source.to_neutral(source_api, params)
    except providers.CannotTranslate as exc:
        raise InvalidOverride(str(exc)) from exc
    out, warnings = destination.from_neutral(neutral)
    return destination.chat_api, out, not_carried(neutral.dropped, destination.label) + warnings


def between(source: str, target: str, params: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``(params, warnings)`` of a chat request of provider ``source`` sent to provider ``target``."""
    _, out, warnings = translate(providers.adapter(source).chat_api, target, params)
    return out, warnings
