"""The replay override form: prefilled from the span, and read back into ``Overrides``.

The form shows the original values; only fields the user changed become overrides, so submitting
it untouched replays the original request as it was.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from otel_llm import providers
from otel_llm.replay import InvalidOverride, Overrides

FIELDS = ("model", "provider", "temperature", "max_tokens", "system_prompt", "prompt", "no_cache")


def defaults_for(span: dict[str, Any]) -> dict[str, Any]:
    """The form's initial values, from a ``span_view``."""
    params = span.get("parameters") or {}
    provider = span.get("provider") if span.get("provider") in providers.names() else ""
    adapter = providers.adapter(provider) if provider else providers.ProviderAdapter()
    max_tokens = adapter.max_tokens_of(params)
    temperature = adapter.temperature_of(params)
    return {
        "model": span.get("request_model") or "",
        "provider": provider,
        "temperature": "" if temperature is None else temperature,
        "max_tokens": "" if max_tokens is None else max_tokens,
        "system_prompt": span.get("system") or "",
        "prompt": "",
        "no_cache": False,
    }


def _text(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").strip()


def _same_number(value: str, default: Any) -> bool:
    try:
        return default != "" and float(value) == float(default)
    except (TypeError, ValueError):
        return False


def overrides_from(form: MultiDict, defaults: dict[str, Any]) -> Overrides:
    """The overrides a submitted form asks for (fields left at their original value are not)."""
    values: dict[str, Any] = {}
    for name in ("model", "provider", "prompt"):
        value = _text(form.get(name))
        if value and value != str(defaults.get(name) or ""):
            values[name] = value
    for name in ("temperature", "max_tokens"):
        value = _text(form.get(name))
        if value and not _same_number(value, defaults.get(name)):
            values[name] = value
    system = _text(form.get("system_prompt"))
    if system and system != _text(defaults.get("system_prompt")):
        values["system_prompt"] = system
    if form.get("no_cache"):
        values["no_cache"] = True
    try:
        return Overrides.from_json(values)
    except InvalidOverride:
        raise
    except (TypeError, ValueError) as exc:
        raise InvalidOverride(f"invalid value: {exc}") from exc
