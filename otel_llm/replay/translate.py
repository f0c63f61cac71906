"""Cross-provider translation of a request: OpenAI chat completions ↔ Anthropic messages.

Both directions return ``(params, warnings)``. Every parameter or content part that has no
equivalent on the other side is named in ``warnings`` (and not sent); nothing is dropped silently.

What moves where:

- system prompt: OpenAI ``system``/``developer`` messages ↔ Anthropic top-level ``system``;
- roles: Anthropic needs alternating ``user``/``assistant`` turns starting with ``user``, so
  consecutive same-role messages (e.g. several tool results) are merged into one;
- ``max_tokens``: required by Anthropic; taken from ``max_completion_tokens``/``max_tokens``, else
  ``DEFAULT_ANTHROPIC_MAX_TOKENS`` (reported);
- tools: ``{"type": "function", "function": {name, description, parameters}}`` ↔
  ``{name, description, input_schema}``; tool calls ↔ ``tool_use`` blocks; ``tool`` messages ↔
  ``tool_result`` blocks; ``tool_choice`` and ``parallel_tool_calls`` ↔ ``tool_choice``;
- stop sequences: ``stop`` ↔ ``stop_sequences``; ``user`` ↔ ``metadata.user_id``;
- sampling: ``temperature`` (OpenAI 0–2, Anthropic 0–1: clamped, reported) and ``top_p``; the
  installed Anthropic SDK has no keyword for them, so they travel in ``extra_body``.
"""

from __future__ import annotations

import json
from typing import Any

DEFAULT_ANTHROPIC_MAX_TOKENS = 1024
"""``max_tokens`` sent to Anthropic when the original OpenAI request set no limit."""

ANTHROPIC_MAX_TEMPERATURE = 1.0

# Parameters both sides understand, that need no change beyond their name.
_SAMPLING = ("temperature", "top_p")
# Parameters that only steer transport or accounting, with nothing to carry over.
_OPENAI_TRANSPORT = ("stream_options",)


def _blocks(content: Any) -> list[dict[str, Any]]:
    """Anthropic content as a list of blocks."""
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return list(content)


def _text_of(content: Any) -> str:
    """Plain text of OpenAI or Anthropic content (string or text parts)."""
    if isinstance(content, str):
        return content
    texts = [p.get("text", "") for p in content or [] if isinstance(p, dict) and p.get("type") == "text"]
    return "\n".join(t for t in texts if t)


def merge_roles(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive messages of the same role merged into one (content blocks concatenated)."""
    merged: list[dict[str, Any]] = []
    for message in messages:
        if merged and merged[-1]["role"] == message["role"]:
            merged[-1] = {
                "role": message["role"],
                "content": _blocks(merged[-1]["content"]) + _blocks(message["content"]),
            }
        else:
            merged.append(message)
    return merged


# --- OpenAI chat → Anthropic messages ------------------------------------------------------------


def to_anthropic(params: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Anthropic ``messages.create`` keyword arguments for OpenAI ``chat.completions.create`` ones."""
    warnings: list[str] = []
    rest = dict(params)
    out: dict[str, Any] = {"model": rest.pop("model", None)}
    out["max_tokens"] = _anthropic_max_tokens(rest, warnings)
    system, messages = _openai_messages_to_anthropic(rest.pop("messages", []), warnings)
    if system:
        out["system"] = system
    out["messages"] = messages
    _copy_tools_to_anthropic(rest, out, warnings)
    stop = rest.pop("stop", None)
    if stop:
        out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    user = rest.pop("user", None) or rest.pop("safety_identifier", None)
    if user:
        out["metadata"] = {"user_id": user}
    if rest.pop("stream", None):
        out["stream"] = True
    for key in _OPENAI_TRANSPORT:
        rest.pop(key, None)
    _sampling_to_anthropic(rest, out, warnings)
    _report_left(rest, "Anthropic", warnings)
    return out, warnings


def _anthropic_max_tokens(rest: dict[str, Any], warnings: list[str]) -> int:
    completion = rest.pop("max_completion_tokens", None)
    legacy = rest.pop("max_tokens", None)
    value = completion or legacy
    if value:
        return int(value)
    warnings.append(
        f"the original request set no max_tokens, which Anthropic requires; sent {DEFAULT_ANTHROPIC_MAX_TOKENS}"
        " (use --max-tokens to choose)"
    )
    return DEFAULT_ANTHROPIC_MAX_TOKENS


def _sampling_to_anthropic(rest: dict[str, Any], out: dict[str, Any], warnings: list[str]) -> None:
    extra = {}
    for key in rest.pop("extra_body", None) or {}:
        warnings.append(f"extra_body '{key}' was meant for OpenAI; not sent")
    for key in _SAMPLING:
        value = rest.pop(key, None)
        if value is None:
            continue
        if key == "temperature" and value > ANTHROPIC_MAX_TEMPERATURE:
            warnings.append(
                f"temperature {value} is above Anthropic's maximum {ANTHROPIC_MAX_TEMPERATURE}; sent "
                f"{ANTHROPIC_MAX_TEMPERATURE}"
            )
            value = ANTHROPIC_MAX_TEMPERATURE
        extra[key] = value
    if extra:
        out["extra_body"] = extra


def _openai_messages_to_anthropic(
    messages: list[dict[str, Any]], warnings: list[str]
) -> tuple[str | None, list[dict[str, Any]]]:
    system: list[str] = []
    turns: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        role = message.get("role")
        if role in ("system", "developer"):
            if turns:
                warnings.append(
                    f"{role} message {index} comes after the conversation started; Anthropic has one "
                    "system prompt, so it was moved there"
                )
            system.append(_text_of(message.get("content")))
            continue
        if message.get("name"):
            warnings.append(f"message {index}: the 'name' field has no Anthropic equivalent; not sent")
        turn = _openai_turn(index, message, warnings)
        if turn is not None:
            turns.append(turn)
    turns = merge_roles(turns)
    if turns and turns[0]["role"] != "user":
        warnings.append(
            "the conversation starts with an assistant message; Anthropic requires a user message first, "
            "so a user message '(start)' was put before it"
        )
        turns.insert(0, {"role": "user", "content": "(start)"})
    return ("\n\n".join(s for s in system if s) or None), turns


def _openai_turn(index: int, message: dict[str, Any], warnings: list[str]) -> dict[str, Any] | None:
    role = message.get("role")
    if role == "tool":
        block = {
            "type": "tool_result",
            "tool_use_id": message.get("tool_call_id"),
            "content": _text_of(message.get("content")),
        }
        return {"role": "user", "content": [block]}
    if role == "user":
        return {
            "role": "user",
            "content": _openai_content_to_anthropic(index, message.get("content"), warnings),
        }
    if role == "assistant":
        return _openai_assistant(index, message, warnings)
    warnings.append(f"message {index} has role {role!r}, which Anthropic does not accept; not sent")
    return None


def _openai_assistant(index: int, message: dict[str, Any], warnings: list[str]) -> dict[str, Any] | None:
    blocks = _blocks(_openai_content_to_anthropic(index, message.get("content"), warnings))
    if message.get("refusal"):
        blocks.append({"type": "text", "text": message["refusal"]})
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        blocks.append(
            {
                "type": "tool_use",
                "id": call.get("id"),
                "name": function.get("name"),
                "input": _arguments(function.get("arguments"), index, warnings),
            }
        )
    for key in ("function_call", "audio"):
        if message.get(key):
            warnings.append(f"message {index}: assistant '{key}' has no Anthropic equivalent; not sent")
    if not blocks:
        return None
    if len(blocks) == 1 and blocks[0].get("type") == "text" and set(blocks[0]) == {"type", "text"}:
        return {"role": "assistant", "content": blocks[0]["text"]}
    return {"role": "assistant", "content": blocks}


def _arguments(raw: Any, index: int, warnings: list[str]) -> Any:
    if not isinstance(raw, str):
        return raw or {}
    try:
        return json.loads(raw) if raw.strip() else {}
    except ValueError:
        warnings.append(f"message {index}: tool call arguments are not JSON; sent as {{'arguments': text}}")
        return {"arguments": raw}


def _openai_content_to_anthropic(index: int, content: Any, warnings: list[str]) -> Any:
    if content is None or isinstance(content, str):
        return content or ""
    blocks = []
    for part in content:
        block = _openai_part_to_anthropic(part)
        if block is None:
            warnings.append(
                f"message {index}: a {part.get('type')!r} part has no Anthropic equivalent; not sent"
            )
            continue
        if part.get("prompt_cache_breakpoint"):
            warnings.append(f"message {index}: OpenAI prompt_cache_breakpoint not translated")
        blocks.append(block)
    return blocks


def _openai_part_to_anthropic(part: dict[str, Any]) -> dict[str, Any] | None:
    kind = part.get("type")
    if kind in ("text", "refusal"):
        return {"type": "text", "text": part.get("text") or part.get("refusal") or ""}
    if kind == "image_url":
        url = (part.get("image_url") or {}).get("url", "")
        return {"type": "image", "source": _source_from_url(url)}
    if kind == "file":
        data = (part.get("file") or {}).get("file_data", "")
        if data.startswith("data:"):
            return {"type": "document", "source": _source_from_url(data)}
    return None


def _source_from_url(url: str) -> dict[str, Any]:
    if url.startswith("data:") and ";base64," in url:
        header, data = url.split(",", 1)
        return {"type": "base64", "media_type": header[5:].split(";")[0], "data": data}
    return {"type": "url", "url": url}


def _copy_tools_to_anthropic(rest: dict[str, Any], out: dict[str, Any], warnings: list[str]) -> None:
    tools = []
    for tool in rest.pop("tools", None) or []:
        function = tool.get("function") if tool.get("type") == "function" else None
        if not function:
            warnings.append(f"tool of type {tool.get('type')!r} has no Anthropic equivalent; not sent")
            continue
        converted = {
            "name": function.get("name"),
            "input_schema": function.get("parameters") or {"type": "object"},
        }
        if function.get("description"):
            converted["description"] = function["description"]
        tools.append(converted)
    if tools:
        out["tools"] = tools
    choice = _anthropic_tool_choice(rest.pop("tool_choice", None), warnings)
    if rest.pop("parallel_tool_calls", None) is False:
        choice = {**(choice or {"type": "auto"}), "disable_parallel_tool_use": True}
    if choice:
        out["tool_choice"] = choice
    if rest.pop("functions", None) or rest.pop("function_call", None):
        warnings.append("legacy 'functions'/'function_call' parameters are not translated; not sent")


def _anthropic_tool_choice(choice: Any, warnings: list[str]) -> dict[str, Any] | None:
    if choice is None:
        return None
    if isinstance(choice, str):
        return {"auto": {"type": "auto"}, "required": {"type": "any"}, "none": {"type": "none"}}.get(choice)
    name = (choice.get("function") or {}).get("name")
    if choice.get("type") == "function" and name:
        return {"type": "tool", "name": name}
    warnings.append(f"tool_choice {choice!r} has no Anthropic equivalent; not sent")
    return None


def _report_left(rest: dict[str, Any], target: str, warnings: list[str]) -> None:
    for key, value in rest.items():
        if value is not None:
            warnings.append(f"'{key}' has no {target} equivalent; not sent")


# --- Anthropic messages → OpenAI chat ------------------------------------------------------------


def to_openai(params: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """OpenAI ``chat.completions.create`` keyword arguments for Anthropic ``messages.create`` ones."""
    warnings: list[str] = []
    rest = dict(params)
    extra = dict(rest.pop("extra_body", None) or {})
    out: dict[str, Any] = {"model": rest.pop("model", None)}
    messages = _anthropic_system_to_openai(rest.pop("system", None), warnings)
    for index, message in enumerate(rest.pop("messages", [])):
        messages.extend(_anthropic_turn(index, message, warnings))
    out["messages"] = messages
    max_tokens = rest.pop("max_tokens", None)
    if max_tokens:
        out["max_completion_tokens"] = max_tokens
    for key in _SAMPLING:
        value = extra.pop(key, rest.pop(key, None))
        if value is not None:
            out[key] = value
    stop = rest.pop("stop_sequences", None)
    if stop:
        out["stop"] = list(stop)
    user = (rest.pop("metadata", None) or {}).get("user_id")
    if user:
        out["user"] = user
    _copy_tools_to_openai(rest, out, warnings)
    if rest.pop("stream", None):
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    if rest.pop("cache_control", None):
        warnings.append(
            "top-level cache_control has no OpenAI chat equivalent (OpenAI caches prefixes itself)"
        )
    _report_left({**rest, **extra}, "OpenAI chat", warnings)
    return out, warnings


def _anthropic_system_to_openai(system: Any, warnings: list[str]) -> list[dict[str, Any]]:
    if not system:
        return []
    if not isinstance(system, str) and any(b.get("cache_control") for b in system if isinstance(b, dict)):
        warnings.append("cache_control on the system prompt has no OpenAI chat equivalent; not sent")
    return [{"role": "system", "content": _text_of(system)}]


def _anthropic_turn(index: int, message: dict[str, Any], warnings: list[str]) -> list[dict[str, Any]]:
    role = message.get("role")
    content = message.get("content")
    if isinstance(content, str):
        return [{"role": role, "content": content}]
    if role == "assistant":
        return [_anthropic_assistant(index, content, warnings)]
    tool_messages, parts = [], []
    for block in content or []:
        if block.get("type") == "tool_result":
            tool_messages.append(
                {"role": "tool", "tool_call_id": block.get("tool_use_id"), "content": _result_text(block)}
            )
            continue
        part = _anthropic_block_to_openai(index, block, warnings)
        if part is not None:
            parts.append(part)
    user = [{"role": "user", "content": _compact(parts)}] if parts else []
    return tool_messages + user


def _anthropic_assistant(index: int, content: list[dict[str, Any]], warnings: list[str]) -> dict[str, Any]:
    texts, calls = [], []
    for block in content:
        kind = block.get("type")
        if kind == "text":
            texts.append(block.get("text", ""))
        elif kind == "tool_use":
            arguments = json.dumps(block.get("input") or {}, ensure_ascii=False)
            calls.append(
                {
                    "id": block.get("id"),
                    "type": "function",
                    "function": {"name": block.get("name"), "arguments": arguments},
                }
            )
        else:
            warnings.append(
                f"message {index}: assistant {kind!r} block has no OpenAI chat equivalent; not sent"
            )
        if block.get("cache_control"):
            warnings.append(f"message {index}: cache_control has no OpenAI chat equivalent; not sent")
    message: dict[str, Any] = {"role": "assistant", "content": "".join(texts) or None}
    if calls:
        message["tool_calls"] = calls
    return message


def _anthropic_block_to_openai(
    index: int, block: dict[str, Any], warnings: list[str]
) -> dict[str, Any] | None:
    if block.get("cache_control"):
        warnings.append(f"message {index}: cache_control has no OpenAI chat equivalent; not sent")
    kind = block.get("type")
    if kind == "text":
        return {"type": "text", "text": block.get("text", "")}
    source = block.get("source") or {}
    if kind == "image":
        url = source.get("url") or f"data:{source.get('media_type')};base64,{source.get('data', '')}"
        return {"type": "image_url", "image_url": {"url": url}}
    if kind == "document" and source.get("type") == "base64":
        data = f"data:{source.get('media_type')};base64,{source.get('data', '')}"
        return {"type": "file", "file": {"file_data": data, "filename": block.get("title") or "document"}}
    warnings.append(f"message {index}: a {kind!r} block has no OpenAI chat equivalent; not sent")
    return None


def _result_text(block: dict[str, Any]) -> str:
    content = block.get("content")
    text = _text_of(content) if content is not None else ""
    return f"Error: {text}" if block.get("is_error") else text


def _compact(parts: list[dict[str, Any]]) -> Any:
    """A single text part as a plain string (what most apps send)."""
    if len(parts) == 1 and parts[0]["type"] == "text":
        return parts[0]["text"]
    return parts


def _copy_tools_to_openai(rest: dict[str, Any], out: dict[str, Any], warnings: list[str]) -> None:
    tools = []
    for tool in rest.pop("tools", None) or []:
        if "input_schema" not in tool:
            warnings.append(
                f"server tool {tool.get('name') or tool.get('type')!r} has no OpenAI chat equivalent; not sent"
            )
            continue
        function = {"name": tool.get("name"), "parameters": tool["input_schema"]}
        if tool.get("description"):
            function["description"] = tool["description"]
        tools.append({"type": "function", "function": function})
    if tools:
        out["tools"] = tools
    choice = rest.pop("tool_choice", None)
    if not choice:
        return
    kind = choice.get("type")
    if kind == "tool":
        out["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
    elif kind in ("auto", "any", "none"):
        out["tool_choice"] = {"auto": "auto", "any": "required", "none": "none"}[kind]
    if choice.get("disable_parallel_tool_use") and tools:
        out["parallel_tool_calls"] = False
