"""What a replay changes: model, provider, temperature, max tokens, system prompt, caching.

``Overrides`` is what the user asked for (stored with the replay, put on the replay span);
``apply`` turns a rebuilt request plus overrides into the request to send, with notes saying
what the change involved (translation warnings, cache markers removed, defaults chosen).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from otel_llm import providers
from otel_llm.providers.neutral import Neutral
from otel_llm.replay import translate
from otel_llm.replay.errors import InvalidOverride
from otel_llm.replay.request import ReplayRequest


@dataclass
class Overrides:
    """Changes to the original request. ``prompt`` is a prompt-registry reference ``NAME@vN``; it and
    ``system_prompt`` both replace the system prompt, so only one may be given."""

    model: str | None = None
    provider: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    system_prompt: str | None = None
    prompt: str | None = None
    no_cache: bool = False

    def __post_init__(self) -> None:
        if self.provider is not None and self.provider not in providers.names():
            raise InvalidOverride(
                f"unknown provider {self.provider!r}; use one of {', '.join(providers.names())}."
            )
        low, high = providers.temperature_bounds()
        if self.temperature is not None and not low <= self.temperature <= high:
            raise InvalidOverride(
                f"temperature {self.temperature} is out of range; use a value from {low:g} to {high:g}."
            )
        if self.max_tokens is not None and self.max_tokens < 1:
            raise InvalidOverride(f"max tokens {self.max_tokens} must be at least 1.")
        if self.system_prompt is not None and self.prompt is not None:
            raise InvalidOverride("give either a system prompt or a prompt reference (NAME@vN), not both.")
        if self.model is not None and not self.model.strip():
            raise InvalidOverride("the model override is empty; give a model name such as gpt-4o-mini.")

    def to_json(self) -> dict[str, Any]:
        """Only what was set (what the user asked for)."""
        return {k: v for k, v in asdict(self).items() if v not in (None, False)}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Overrides:
        """Overrides from a JSON object (API bodies); unknown keys or wrong types are an error."""
        data = data or {}
        if not isinstance(data, dict):
            raise InvalidOverride("overrides must be a JSON object.")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise InvalidOverride(
                f"unknown override(s): {', '.join(sorted(unknown))}; use {', '.join(sorted(known))}."
            )
        try:
            values = {k: _coerce(k, v) for k, v in data.items() if v not in (None, "")}
        except (TypeError, ValueError) as exc:
            raise InvalidOverride(f"invalid override value: {exc}") from exc
        return cls(**values)

    def is_empty(self) -> bool:
        return not self.to_json()

    def describe(self) -> str:
        return (
            json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False) if not self.is_empty() else "none"
        )


def _coerce(key: str, value: Any) -> Any:
    if key == "temperature":
        return float(value)
    if key == "max_tokens":
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"max_tokens must be a whole number, not {value!r}")
        return int(value)
    if key == "no_cache":
        if not isinstance(value, bool):
            raise ValueError(f"no_cache must be true or false, not {value!r}")
        return value
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string, not {value!r}")
    return value


def apply(
    request: ReplayRequest, overrides: Overrides, system_text: str | None = None, chat: Neutral | None = None
) -> ReplayRequest:
    """The request to send. ``system_text`` is the resolved system prompt override (from
    ``overrides.system_prompt`` or the prompt reference), if any; ``chat`` a rendered chat prompt
    that replaces the conversation, tools and response format."""
    out = request.copy()
    if overrides.no_cache:
        _remove_cache(out)
    target = _target_provider(out, overrides)
    if target and target != out.provider:
        _switch_provider(out, target, overrides)
    if chat is not None:
        _set_chat(out, chat)
    if overrides.model:
        out.params["model"] = overrides.model.strip()
    if overrides.temperature is not None:
        _set_temperature(out, overrides.temperature)
    if overrides.max_tokens is not None:
        _set_max_tokens(out, overrides.max_tokens)
    if system_text is not None:
        _set_system(out, system_text)
    return out


def _target_provider(request: ReplayRequest, overrides: Overrides) -> str | None:
    """The provider asked for; else, when the model override is named like another provider's
    models (``claude-*`` on an OpenAI call), that provider: a model is never sent to a provider
    that does not serve it. An endpoint serving many makers' models (OpenRouter, Groq…) is kept.
    None keeps the original provider."""
    if overrides.provider:
        return overrides.provider
    if request.provider != request.adapter.name:
        return None
    named = providers.provider_for_model(overrides.model)
    if named is not None and providers.adapter(named) is not request.adapter:
        return named
    return None


def _switch_provider(out: ReplayRequest, provider: str, overrides: Overrides) -> None:
    target = providers.adapter(provider)
    if not overrides.model:
        raise InvalidOverride(
            f"switching to {provider} needs a model of that provider (the original model "
            f"{out.model!r} is a {out.provider} model); add --model."
        )
    source, out.provider = out.adapter, provider
    if target is source:  # another endpoint of the same API: nothing to translate
        return
    params = out.params | ({"stream": True} if out.stream else {})
    out.api, out.params, warnings = translate.translate(out.api, provider, params)
    out.stream = bool(out.params.get("stream"))
    out.notes.append(f"translated from {source.label} to {target.label}")
    out.notes.extend(warnings)


def _set_chat(out: ReplayRequest, chat: Neutral) -> None:
    """The chat prompt's messages, tools and response format in place of the original's; the
    original's model and parameters kept beneath the prompt's own parameters."""
    adapter = out.adapter
    original = adapter.to_neutral(out.api, out.call_params())
    merged = replace(chat, model=out.model, params=original.params | chat.params)
    out.params, warnings = adapter.from_neutral(merged)
    out.api, out.stream = adapter.chat_api, bool(out.params.get("stream"))
    out.notes.extend(warnings)


def _set_temperature(out: ReplayRequest, value: float) -> None:
    adapter = out.adapter
    if not adapter.temperature.contains(value):
        raise InvalidOverride(
            f"temperature {value} is out of range for {out.provider}; use {adapter.temperature.words()}."
        )
    adapter.set_temperature(out.api, out.params, value)


def _set_max_tokens(out: ReplayRequest, value: int) -> None:
    out.adapter.set_max_tokens(out.api, out.params, value)


def _set_system(out: ReplayRequest, text: str) -> None:
    out.notes.extend(out.adapter.set_system(out.api, out.params, text))


def _remove_cache(out: ReplayRequest) -> None:
    removed = [key for key in out.adapter.cache_params if out.params.pop(key, None) is not None]
    names = providers.cache_markers()
    markers = _strip_markers(out.params, names)
    if markers:
        removed.append(f"{markers} cache marker(s) ({'/'.join(names)})")
    out.notes.append(
        "caching disabled: removed " + ", ".join(removed)
        if removed
        else "caching disabled: the request had no cache markers"
    )


def _strip_markers(value: Any, names: tuple[str, ...]) -> int:
    """Remove cache marker keys everywhere in ``value`` (in place); returns how many."""
    count = 0
    if isinstance(value, dict):
        for key in names:
            if value.pop(key, None) is not None:
                count += 1
        for child in value.values():
            count += _strip_markers(child, names)
    elif isinstance(value, list):
        for child in value:
            count += _strip_markers(child, names)
    return count
