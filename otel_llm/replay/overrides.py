"""What a replay changes: model, provider, temperature, max tokens, system prompt, caching.

``Overrides`` is what the user asked for (stored with the replay, put on the replay span);
``apply`` turns a rebuilt request plus overrides into the request to send, with notes saying
what the change involved (translation warnings, cache markers removed, defaults chosen).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from otel_llm.providers import PROVIDERS
from otel_llm.replay import translate
from otel_llm.replay.errors import InvalidOverride
from otel_llm.replay.request import (
    ANTHROPIC_MESSAGES,
    OPENAI_CHAT,
    OPENAI_RESPONSES,
    PROVIDER_API,
    ReplayRequest,
)

TEMPERATURE_RANGE = {"openai": (0.0, 2.0), "anthropic": (0.0, 1.0)}
OPENAI_CACHE_PARAMS = ("prompt_cache_key", "prompt_cache_options", "prompt_cache_retention")
CACHE_MARKERS = ("cache_control", "prompt_cache_breakpoint")


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
        if self.provider is not None and self.provider not in PROVIDERS:
            raise InvalidOverride(f"unknown provider {self.provider!r}; use one of {', '.join(PROVIDERS)}.")
        if self.temperature is not None and not 0 <= self.temperature <= 2:
            raise InvalidOverride(f"temperature {self.temperature} is out of range; use a value from 0 to 2.")
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


def apply(request: ReplayRequest, overrides: Overrides, system_text: str | None = None) -> ReplayRequest:
    """The request to send. ``system_text`` is the resolved system prompt override (from
    ``overrides.system_prompt`` or the prompt reference), if any."""
    out = request.copy()
    if overrides.no_cache:
        _remove_cache(out)
    if overrides.provider and overrides.provider != out.provider:
        _switch_provider(out, overrides)
    if overrides.model:
        out.params["model"] = overrides.model.strip()
    if overrides.temperature is not None:
        _set_temperature(out, overrides.temperature)
    if overrides.max_tokens is not None:
        _set_max_tokens(out, overrides.max_tokens)
    if system_text is not None:
        _set_system(out, system_text)
    return out


def _switch_provider(out: ReplayRequest, overrides: Overrides) -> None:
    target = overrides.provider
    if out.api == OPENAI_RESPONSES:
        raise InvalidOverride(
            "this span used the OpenAI Responses API, which replay translates to no other provider; "
            "replay it on openai (drop --provider)."
        )
    if not overrides.model:
        raise InvalidOverride(
            f"switching to {target} needs a model of that provider (the original model {out.model!r} is "
            f"a {out.provider} model); add --model."
        )
    convert = translate.to_anthropic if target == "anthropic" else translate.to_openai
    params, warnings = convert(out.params | ({"stream": True} if out.stream else {}))
    out.api, out.params, out.stream = PROVIDER_API[target], params, bool(params.get("stream"))
    out.notes.append(_TRANSLATED[target])
    out.notes.extend(warnings)


_TRANSLATED = {
    "anthropic": "translated from OpenAI chat to Anthropic messages",
    "openai": "translated from Anthropic messages to OpenAI chat",
}


def _set_temperature(out: ReplayRequest, value: float) -> None:
    low, high = TEMPERATURE_RANGE[out.provider]
    if not low <= value <= high:
        raise InvalidOverride(f"temperature {value} is out of range for {out.provider}; use {low} to {high}.")
    if out.api == ANTHROPIC_MESSAGES and "temperature" not in out.params:
        # The installed Anthropic SDK has no temperature keyword; the API takes it in the body.
        out.params["extra_body"] = {**(out.params.get("extra_body") or {}), "temperature": value}
    else:
        out.params["temperature"] = value


def _set_max_tokens(out: ReplayRequest, value: int) -> None:
    if out.api == OPENAI_RESPONSES:
        out.params["max_output_tokens"] = value
    elif out.api == OPENAI_CHAT and "max_tokens" in out.params and "max_completion_tokens" not in out.params:
        out.params["max_tokens"] = value
    elif out.api == OPENAI_CHAT:
        out.params["max_completion_tokens"] = value
    else:
        out.params["max_tokens"] = value


def _set_system(out: ReplayRequest, text: str) -> None:
    if out.api == OPENAI_RESPONSES:
        out.params["instructions"] = text
    elif out.api == ANTHROPIC_MESSAGES:
        _set_anthropic_system(out, text)
    else:
        messages = list(out.params.get("messages") or [])
        index = next((i for i, m in enumerate(messages) if m.get("role") in ("system", "developer")), None)
        if index is None:
            messages.insert(0, {"role": "system", "content": text})
        else:
            messages[index] = {**messages[index], "content": text}
            later = [
                i for i, m in enumerate(messages) if i > index and m.get("role") in ("system", "developer")
            ]
            if later:
                out.notes.append(
                    f"only the first system message was replaced; {len(later)} later one(s) kept"
                )
        out.params["messages"] = messages


def _set_anthropic_system(out: ReplayRequest, text: str) -> None:
    current = out.params.get("system")
    if (
        isinstance(current, list)
        and current
        and isinstance(current[-1], dict)
        and current[-1].get("cache_control")
    ):
        out.params["system"] = [{"type": "text", "text": text, "cache_control": current[-1]["cache_control"]}]
    else:
        out.params["system"] = text


def _remove_cache(out: ReplayRequest) -> None:
    removed = [key for key in OPENAI_CACHE_PARAMS if out.params.pop(key, None) is not None]
    markers = _strip_markers(out.params)
    if markers:
        removed.append(f"{markers} cache marker(s) ({'/'.join(CACHE_MARKERS)})")
    out.notes.append(
        "caching disabled: removed " + ", ".join(removed)
        if removed
        else "caching disabled: the request had no cache markers"
    )


def _strip_markers(value: Any) -> int:
    """Remove cache marker keys everywhere in ``value`` (in place); returns how many."""
    count = 0
    if isinstance(value, dict):
        for key in CACHE_MARKERS:
            if value.pop(key, None) is not None:
                count += 1
        for child in value.values():
            count += _strip_markers(child)
    elif isinstance(value, list):
        for child in value:
            count += _strip_markers(child)
    return count
