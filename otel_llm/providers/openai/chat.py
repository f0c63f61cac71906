"""OpenAI chat completions ↔ the neutral form (``otel_llm.providers.neutral``)."""

from __future__ import annotations

import json
from typing import Any

from otel_llm.providers.neutral import Neutral, leftover, part_text, text_part

LABEL = "OpenAI chat"
# Parameters that only steer transport or accounting, with nothing to carry over.
_TRANSPORT = ("stream_options",)
_SIMPLE = ("temperature", "top_p", "seed", "parallel_tool_calls")


def to_neutral(params: dict[str, Any]) -> Neutral:
    rest = dict(params)
    out = Neutral(model=rest.pop("model", None))
    for index, message in enumerate(rest.pop("messages", None) or []):
        converted = _message(index, message, out.dropped)
        if converted is not None:
            out.messages.append(converted)
    completion, legacy = rest.pop("max_completion_tokens", None), rest.pop("max_tokens", None)
    if completion or legacy:
        out.params["max_tokens"] = int(completion or legacy)
    for key in _SIMPLE:
        if rest.get(key) is not None:
            out.params[key] = rest.pop(key)
    stop = rest.pop("stop", None)
    if stop:
        out.params["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    user = rest.pop("user", None) or rest.pop("safety_identifier", None)
    if user:
        out.params["user"] = user
    if rest.pop("stream", None):
        out.params["stream"] = True
    _tools(rest, out)
    _response_format(rest, out)
    for key in rest.pop("extra_body", None) or {}:
        out.dropped.append(f"extra_body '{key}' (meant for OpenAI)")
    for key in _TRANSPORT:
        rest.pop(key, None)
    out.dropped.extend(f"'{key}'" for key, value in rest.items() if value is not None)
    return out


def _message(index: int, message: dict[str, Any], dropped: list[str]) -> dict[str, Any] | None:
    role = message.get("role")
    if message.get("name"):
        dropped.append(f"message {index}: the 'name' field")
    if role == "tool":
        response = {"type": "tool_call_response", "id": message.get("tool_call_id")}
        return {"role": "tool", "parts": [response | {"response": _text(message.get("content"))}]}
    if role not in ("system", "developer", "user", "assistant"):
        dropped.append(f"message {index} with role {role!r}")
        return None
    parts = _parts(index, message.get("content"), dropped)
    if message.get("refusal"):
        parts.append(text_part(message["refusal"]))
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        arguments = _arguments(function.get("arguments"), index, dropped)
        parts.append(
            {"type": "tool_call", "id": call.get("id"), "name": function.get("name"), "arguments": arguments}
        )
    for key in ("function_call", "audio"):
        if message.get(key):
            dropped.append(f"message {index}: assistant '{key}'")
    return {"role": role, "parts": parts}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    texts = [p.get("text", "") for p in content or [] if isinstance(p, dict) and p.get("type") == "text"]
    return "\n".join(t for t in texts if t)


def _arguments(raw: Any, index: int, dropped: list[str]) -> Any:
    if not isinstance(raw, str):
        return raw or {}
    try:
        return json.loads(raw) if raw.strip() else {}
    except ValueError:
        dropped.append(
            f"message {index}: tool call arguments that are not JSON (sent as {{'arguments': text}})"
        )
        return {"arguments": raw}


def _parts(index: int, content: Any, dropped: list[str]) -> list[dict[str, Any]]:
    if content is None or isinstance(content, str):
        return [text_part(content)] if content else []
    parts = []
    for part in content:
        converted = _part(part)
        if converted is None:
            dropped.append(f"message {index}: a {part.get('type')!r} part")
            continue
        if part.get("prompt_cache_breakpoint"):
            dropped.append(f"message {index}: OpenAI prompt_cache_breakpoint")
        parts.append(converted)
    return parts


def _part(part: dict[str, Any]) -> dict[str, Any] | None:
    kind = part.get("type")
    if kind in ("text", "refusal"):
        return text_part(part.get("text") or part.get("refusal") or "")
    if kind == "image_url":
        return _from_url((part.get("image_url") or {}).get("url", ""), "image")
    if kind == "file":
        file = part.get("file") or {}
        data = file.get("file_data", "")
        if data.startswith("data:"):
            blob = _from_url(data, "document")
            if file.get("filename"):
                blob["filename"] = file["filename"]
            return blob
    return None


def _from_url(url: str, modality: str) -> dict[str, Any]:
    if url.startswith("data:") and ";base64," in url:
        header, data = url.split(",", 1)
        return {"type": "blob", "modality": modality, "mime_type": header[5:].split(";")[0], "content": data}
    return {"type": "uri", "modality": modality, "uri": url}


def _response_format(rest: dict[str, Any], out: Neutral) -> None:
    value = rest.get("response_format")
    if isinstance(value, dict) and value.get("type") == "json_schema":
        spec = rest.pop("response_format").get("json_schema") or {}
        out.response_format = {k: spec[k] for k in ("name", "schema", "strict") if k in spec}


def _tools(rest: dict[str, Any], out: Neutral) -> None:
    for tool in rest.pop("tools", None) or []:
        function = tool.get("function") if tool.get("type") == "function" else None
        if not function:
            out.dropped.append(f"tool of type {tool.get('type')!r}")
            continue
        converted = {
            "type": "function",
            "name": function.get("name"),
            "parameters": function.get("parameters"),
        }
        if function.get("description"):
            converted["description"] = function["description"]
        out.tools.append(converted)
    choice = rest.pop("tool_choice", None)
    if isinstance(choice, str):
        out.params["tool_choice"] = choice
    elif isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        if choice.get("type") == "function" and name:
            out.params["tool_choice"] = {"name": name}
        else:
            out.dropped.append(f"tool_choice {choice!r}")
    if rest.pop("functions", None) or rest.pop("function_call", None):
        out.dropped.append("legacy 'functions'/'function_call' parameters (not translated)")


# --- neutral → OpenAI chat -----------------------------------------------------------------------

_SUPPORTED: tuple[str, ...] = (
    "max_tokens",
    "temperature",
    "top_p",
    "seed",
    "stop_sequences",
    "user",
    "stream",
)
_SUPPORTED += ("tool_choice", "parallel_tool_calls")


def from_neutral(neutral: Neutral) -> tuple[dict[str, Any], list[str]]:
    """``chat.completions.create`` keyword arguments (``max_tokens`` sent as ``max_completion_tokens``)."""
    warnings: list[str] = []
    p = neutral.params
    out: dict[str, Any] = {"model": neutral.model}
    system = [{"role": "system", "content": "\n\n".join(neutral.system)}] if neutral.system else []
    out["messages"] = system + [m for message in neutral.messages for m in _openai_messages(message)]
    if p.get("max_tokens"):
        out["max_completion_tokens"] = p["max_tokens"]
    for key in ("temperature", "top_p", "seed"):
        if p.get(key) is not None:
            out[key] = p[key]
    if p.get("stop_sequences"):
        out["stop"] = list(p["stop_sequences"])
    if p.get("user"):
        out["user"] = p["user"]
    _openai_tools(neutral, out)
    if neutral.response_format:
        out["response_format"] = {"type": "json_schema", "json_schema": dict(neutral.response_format)}
    if p.get("stream"):
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    warnings.extend(leftover(p, _SUPPORTED, LABEL))
    return out, warnings


def _openai_messages(message: dict[str, Any]) -> list[dict[str, Any]]:
    role = message.get("role") or "user"
    parts = message.get("parts") or []
    results = [
        {"role": "tool", "tool_call_id": p.get("id"), "content": _response_text(p.get("response"))}
        for p in parts
        if p.get("type") == "tool_call_response"
    ]
    calls = [_tool_call(p) for p in parts if p.get("type") == "tool_call"]
    converted = [_content_part(p) for p in parts if p.get("type") not in ("tool_call", "tool_call_response")]
    content = [c for c in converted if c is not None]
    if role == "tool" or (results and not content and not calls):
        return results
    if role == "assistant":
        text = "".join(c.get("text", "") for c in content if c["type"] == "text")
        out: dict[str, Any] = {"role": "assistant", "content": text or None}
        if calls:
            out["tool_calls"] = calls
        return results + [out]
    return results + [{"role": role, "content": _compact(content)}]


def _response_text(response: Any) -> str:
    return response if isinstance(response, str) else json.dumps(response, ensure_ascii=False)


def _tool_call(part: dict[str, Any]) -> dict[str, Any]:
    arguments = part.get("arguments")
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments or {}, ensure_ascii=False)
    return {
        "id": part.get("id"),
        "type": "function",
        "function": {"name": part.get("name"), "arguments": arguments},
    }


def _content_part(part: dict[str, Any]) -> dict[str, Any] | None:
    kind = part.get("type", "text")
    if kind == "text":
        return {"type": "text", "text": part_text(part)}
    data_url = f"data:{part.get('mime_type')};base64,{part.get('content', '')}"
    if kind == "blob" and part.get("modality") == "image":
        return {"type": "image_url", "image_url": {"url": data_url}}
    if kind == "uri" and part.get("modality") == "image":
        return {"type": "image_url", "image_url": {"url": part.get("uri")}}
    if kind == "blob":
        return {
            "type": "file",
            "file": {"file_data": data_url, "filename": part.get("filename") or "document"},
        }
    return None


def _compact(parts: list[dict[str, Any]]) -> Any:
    """A single text part as a plain string (what most apps send)."""
    if not parts:
        return ""
    if len(parts) == 1 and parts[0]["type"] == "text":
        return parts[0]["text"]
    return parts


def _openai_tools(neutral: Neutral, out: dict[str, Any]) -> None:
    tools = []
    for tool in neutral.tools:
        function = {"name": tool.get("name"), "parameters": tool.get("parameters") or {"type": "object"}}
        if tool.get("description"):
            function["description"] = tool["description"]
        tools.append({"type": "function", "function": function})
    if tools:
        out["tools"] = tools
    choice = neutral.params.get("tool_choice")
    if isinstance(choice, dict):
        out["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
    elif choice:
        out["tool_choice"] = choice
    if neutral.params.get("parallel_tool_calls") is False and tools:
        out["parallel_tool_calls"] = False
