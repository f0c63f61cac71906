"""Requests rebuilt from GenAI semantic-convention attributes, for spans of other instrumentations.

Such spans have no request record, only ``gen_ai.system_instructions``, ``gen_ai.input.messages``,
``gen_ai.tool.definitions`` and the ``gen_ai.request.*`` parameters (or OpenLLMetry's flattened
``gen_ai.prompt.N.role/content``). Those attributes are the provider-neutral form already
(``otel_llm.providers.neutral``), so the span's provider's adapter builds its request from them. It is
not exact: parameters those attributes do not record are not sent, which ``ReplayRequest.notes`` says.
"""

from __future__ import annotations

import json
from typing import Any

from otel_llm import attributes as attrs
from otel_llm import providers
from otel_llm.providers.neutral import Neutral, not_carried, part_text, text_part
from otel_llm.replay.errors import CAPTURE_HINT, NotReplayable
from otel_llm.replay.replay_request import ReplayRequest

_PARAMETERS = {
    "temperature": attrs.GEN_AI_REQUEST_TEMPERATURE,
    "max_tokens": attrs.GEN_AI_REQUEST_MAX_TOKENS,
    "top_p": attrs.GEN_AI_REQUEST_TOP_P,
    "stop_sequences": attrs.GEN_AI_REQUEST_STOP_SEQUENCES,
    "seed": attrs.GEN_AI_REQUEST_SEED,
}

REBUILT_NOTE = (
    "the span has no otel_llm.request record (another instrumentation made it); the request was rebuilt "
    "from its gen_ai.* attributes, so parameters those do not record were not sent"
)


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def from_semconv(row: dict[str, Any]) -> ReplayRequest:
    a = row.get("attributes") or {}
    span_id = row.get("span_id")
    if a.get(attrs.CONTENT_TRUNCATED):
        raise NotReplayable(
            f"span {span_id} stored truncated content (OTEL_LLM_MAX_CONTENT_BYTES), so its request cannot be "
            "sent again faithfully; raise the limit in the app and replay a newer span."
        )
    messages = _messages(a)
    if not messages:
        raise NotReplayable(
            f"span {span_id} has no captured prompt (no otel_llm.request record and no gen_ai.input.messages); "
            f"{CAPTURE_HINT}."
        )
    model = row.get("request_model") or row.get("response_model")
    if not model:
        raise NotReplayable(f"span {span_id} records no model, so its request cannot be sent again.")
    neutral = Neutral(model, messages=messages, system=_system(a), tools=_tools(a), params=_parameters(a))
    return _for_provider(row.get("provider"), neutral)


def _for_provider(provider: str | None, neutral: Neutral) -> ReplayRequest:
    notes = [REBUILT_NOTE]
    try:
        adapter, target = providers.resolve(provider)
    except providers.UnknownProvider:
        adapter, target = _default_adapter(), None
        if provider:
            notes.append(f"the span's provider is {provider!r}; the request is sent as {adapter.label}")
    params, warnings = adapter.from_neutral(neutral)
    notes += not_carried(neutral.dropped, adapter.label) + warnings
    return ReplayRequest(adapter.chat_api, params, exact=False, notes=notes, provider=target or adapter.name)


def _default_adapter() -> providers.ProviderAdapter:
    """For a provider no adapter knows: the adapter of the widest-spoken API (the one the most
    endpoints speak), so an unknown OpenAI-compatible provider still gets a sensible request."""
    return max(providers.adapters().values(), key=lambda a: len(a.provider_names()))


def _parameters(a: dict[str, Any]) -> dict[str, Any]:
    found = {name: _json(a[key]) for name, key in _PARAMETERS.items() if a.get(key) is not None}
    stop = found.get("stop_sequences")
    if stop is not None:
        found["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    return found


def _system(a: dict[str, Any]) -> list[str]:
    raw = _json(a.get(attrs.GEN_AI_SYSTEM_INSTRUCTIONS))
    if not raw:
        return []
    parts = raw if isinstance(raw, list) else [raw]
    text = "\n".join(part_text(p) for p in parts)
    return [text] if text else []


def _messages(a: dict[str, Any]) -> list[dict[str, Any]]:
    raw = _json(a.get(attrs.GEN_AI_INPUT_MESSAGES))
    if isinstance(raw, list) and raw:
        return [_semconv_message(m) for m in raw if isinstance(m, dict)]
    return _openllmetry_messages(a)


def _semconv_message(message: dict[str, Any]) -> dict[str, Any]:
    role = message.get("role", "user")
    parts = message.get("parts")
    if parts is None:  # older shape: {"role", "content"}
        return {"role": role, "parts": [text_part(str(message.get("content") or ""))]}
    return {"role": role, "parts": [p if isinstance(p, dict) else text_part(str(p)) for p in parts]}


def _openllmetry_messages(a: dict[str, Any]) -> list[dict[str, Any]]:
    messages = []
    index = 0
    while f"gen_ai.prompt.{index}.role" in a or f"gen_ai.prompt.{index}.content" in a:
        role = a.get(f"gen_ai.prompt.{index}.role", "user")
        messages.append(
            {"role": role, "parts": [text_part(str(a.get(f"gen_ai.prompt.{index}.content") or ""))]}
        )
        index += 1
    return messages


def _tools(a: dict[str, Any]) -> list[dict[str, Any]]:
    raw = _json(a.get(attrs.GEN_AI_TOOL_DEFINITIONS))
    tools = []
    for tool in raw if isinstance(raw, list) else []:
        if not isinstance(tool, dict):
            continue
        function = tool.get("function")
        if not isinstance(function, dict):
            function = tool
        converted = {
            "type": "function",
            "name": function.get("name"),
            "parameters": function.get("parameters") or function.get("input_schema") or {},
        }
        if function.get("description"):
            converted["description"] = function["description"]
        tools.append(converted)
    return tools
