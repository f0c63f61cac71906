"""Requests rebuilt from GenAI semantic-convention attributes, for spans of other instrumentations.

Such spans have no request record, only ``gen_ai.system_instructions``, ``gen_ai.input.messages``,
``gen_ai.tool.definitions`` and the ``gen_ai.request.*`` parameters (or OpenLLMetry's flattened
``gen_ai.prompt.N.role/content``). The request is built as an OpenAI chat call and translated when
the span's provider is Anthropic. It is not exact: parameters those attributes do not record are not
sent, which ``ReplayRequest.notes`` says.
"""

from __future__ import annotations

import json
from typing import Any

from otel_llm import attributes as attrs
from otel_llm.replay import translate
from otel_llm.replay.errors import CAPTURE_HINT, NotReplayable
from otel_llm.replay.request import ANTHROPIC_MESSAGES, OPENAI_CHAT, ReplayRequest

_PARAMETERS = {
    "temperature": attrs.GEN_AI_REQUEST_TEMPERATURE,
    "max_tokens": attrs.GEN_AI_REQUEST_MAX_TOKENS,
    "top_p": attrs.GEN_AI_REQUEST_TOP_P,
    "stop": attrs.GEN_AI_REQUEST_STOP_SEQUENCES,
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
    params: dict[str, Any] = {"model": model, "messages": _system(a) + messages}
    params.update(_parameters(a))
    tools = _tools(a)
    if tools:
        params["tools"] = tools
    return _for_provider(row.get("provider"), params)


def _for_provider(provider: str | None, params: dict[str, Any]) -> ReplayRequest:
    if (provider or "").startswith("anthropic"):
        translated, warnings = translate.to_anthropic(params)
        return ReplayRequest(ANTHROPIC_MESSAGES, translated, exact=False, notes=[REBUILT_NOTE, *warnings])
    notes = [REBUILT_NOTE]
    if provider and provider != "openai":
        notes.append(f"the span's provider is {provider!r}; the request is sent as an OpenAI chat completion")
    return ReplayRequest(OPENAI_CHAT, params, exact=False, notes=notes)


def _parameters(a: dict[str, Any]) -> dict[str, Any]:
    found = {name: _json(a[key]) for name, key in _PARAMETERS.items() if a.get(key) is not None}
    if isinstance(found.get("stop"), tuple):
        found["stop"] = list(found["stop"])
    return found


def _system(a: dict[str, Any]) -> list[dict[str, Any]]:
    raw = _json(a.get(attrs.GEN_AI_SYSTEM_INSTRUCTIONS))
    if not raw:
        return []
    parts = raw if isinstance(raw, list) else [raw]
    text = "\n".join(_part_text(p) for p in parts)
    return [{"role": "system", "content": text}] if text else []


def _part_text(part: Any) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, dict) and part.get("type", "text") == "text":
        return str(part.get("content") or part.get("text") or "")
    return ""


def _messages(a: dict[str, Any]) -> list[dict[str, Any]]:
    raw = _json(a.get(attrs.GEN_AI_INPUT_MESSAGES))
    if isinstance(raw, list) and raw:
        out: list[dict[str, Any]] = []
        for message in raw:
            out.extend(_semconv_message(message))
        return out
    return _openllmetry_messages(a)


def _semconv_message(message: dict[str, Any]) -> list[dict[str, Any]]:
    role = message.get("role", "user")
    parts = message.get("parts")
    if parts is None:  # older shape: {"role", "content"}
        return [{"role": role, "content": message.get("content") or ""}]
    texts, calls, results = [], [], []
    for part in parts:
        kind = part.get("type")
        if kind == "tool_call":
            arguments = part.get("arguments")
            if not isinstance(arguments, str):
                arguments = json.dumps(arguments or {}, ensure_ascii=False)
            calls.append(
                {
                    "id": part.get("id"),
                    "type": "function",
                    "function": {"name": part.get("name"), "arguments": arguments},
                }
            )
        elif kind == "tool_call_response":
            response = part.get("response")
            text = response if isinstance(response, str) else json.dumps(response, ensure_ascii=False)
            results.append({"role": "tool", "tool_call_id": part.get("id"), "content": text})
        else:
            texts.append(_part_text(part))
    if results:
        return results
    out: dict[str, Any] = {"role": role, "content": "".join(texts)}
    if calls:
        out["tool_calls"] = calls
        out["content"] = out["content"] or None
    return [out]


def _openllmetry_messages(a: dict[str, Any]) -> list[dict[str, Any]]:
    messages = []
    index = 0
    while f"gen_ai.prompt.{index}.role" in a or f"gen_ai.prompt.{index}.content" in a:
        role = a.get(f"gen_ai.prompt.{index}.role", "user")
        messages.append({"role": role, "content": str(a.get(f"gen_ai.prompt.{index}.content") or "")})
        index += 1
    return messages


def _tools(a: dict[str, Any]) -> list[dict[str, Any]]:
    raw = _json(a.get(attrs.GEN_AI_TOOL_DEFINITIONS))
    tools = []
    for tool in raw if isinstance(raw, list) else []:
        if not isinstance(tool, dict):
            continue
        if "function" in tool:
            tools.append(tool)
            continue
        function = {
            "name": tool.get("name"),
            "parameters": tool.get("parameters") or tool.get("input_schema") or {},
        }
        if tool.get("description"):
            function["description"] = tool["description"]
        tools.append({"type": "function", "function": function})
    return tools
