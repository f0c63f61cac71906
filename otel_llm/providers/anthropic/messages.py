"""Anthropic messages ↔ the neutral form (``otel_llm.providers.neutral``).

Anthropic needs alternating ``user``/``assistant`` turns starting with ``user`` (consecutive
same-role messages, e.g. several tool results, are merged into one), one top-level system prompt,
and ``max_tokens``. The installed SDK has no keyword for ``temperature``/``top_p``, so they travel
in ``extra_body``.
"""

from __future__ import annotations

import json
from typing import Any

from otel_llm.providers.neutral import Neutral, clamp, leftover, part_text, text_part

LABEL = "Anthropic"
_SAMPLING = ("temperature", "top_p")
_SUPPORTED: tuple[str, ...] = ("max_tokens", "temperature", "top_p", "stop_sequences", "user", "stream")
_SUPPORTED += ("tool_choice", "parallel_tool_calls")


def text_of(content: Any) -> str:
    """Plain text of Anthropic content (a string or text blocks)."""
    if isinstance(content, str):
        return content
    texts = [p.get("text", "") for p in content or [] if isinstance(p, dict) and p.get("type") == "text"]
    return "\n".join(t for t in texts if t)


def to_neutral(params: dict[str, Any]) -> Neutral:
    rest = dict(params)
    extra = dict(rest.pop("extra_body", None) or {})
    out = Neutral(model=rest.pop("model", None))
    _system(rest.pop("system", None), out)
    for index, message in enumerate(rest.pop("messages", None) or []):
        out.messages.extend(_turn(index, message, out.dropped))
    if rest.get("max_tokens"):
        out.params["max_tokens"] = rest.pop("max_tokens")
    for key in _SAMPLING:
        value = extra.pop(key, rest.pop(key, None))
        if value is not None:
            out.params[key] = value
    if rest.get("stop_sequences"):
        out.params["stop_sequences"] = list(rest.pop("stop_sequences"))
    user = (rest.pop("metadata", None) or {}).get("user_id")
    if user:
        out.params["user"] = user
    if rest.pop("stream", None):
        out.params["stream"] = True
    _tools(rest, out)
    _output_format(rest, out)
    if rest.pop("cache_control", None):
        out.dropped.append("top-level cache_control (OpenAI caches prefixes itself)")
    out.dropped.extend(f"'{key}'" for key, value in {**rest, **extra}.items() if value is not None)
    return out


def _system(system: Any, out: Neutral) -> None:
    if not system:
        return
    if not isinstance(system, str) and any(b.get("cache_control") for b in system if isinstance(b, dict)):
        out.dropped.append("cache_control on the system prompt")
    out.system.append(text_of(system))


def _turn(index: int, message: dict[str, Any], dropped: list[str]) -> list[dict[str, Any]]:
    role = message.get("role")
    content = message.get("content")
    if isinstance(content, str):
        return [{"role": role, "parts": [text_part(content)]}]
    results, parts = [], []
    for block in content or []:
        if block.get("cache_control"):
            dropped.append(f"message {index}: cache_control")
        if block.get("type") == "tool_result":
            results.append(
                {"type": "tool_call_response", "id": block.get("tool_use_id"), "response": _result(block)}
            )
            continue
        part = _block(index, role, block, dropped)
        if part is not None:
            parts.append(part)
    tool = [{"role": "tool", "parts": results}] if results else []
    return tool + ([{"role": role, "parts": parts}] if parts or not results else [])


def _result(block: dict[str, Any]) -> str:
    content = block.get("content")
    text = text_of(content) if content is not None else ""
    return f"Error: {text}" if block.get("is_error") else text


def _block(index: int, role: str | None, block: dict[str, Any], dropped: list[str]) -> dict[str, Any] | None:
    kind = block.get("type")
    if kind == "text":
        return text_part(block.get("text", ""))
    if kind == "tool_use":
        return {
            "type": "tool_call",
            "id": block.get("id"),
            "name": block.get("name"),
            "arguments": block.get("input") or {},
        }
    source = block.get("source") or {}
    modality = "image" if kind == "image" else "document"
    if kind in ("image", "document") and source.get("type") == "base64":
        blob = {
            "type": "blob",
            "modality": modality,
            "mime_type": source.get("media_type"),
            "content": source.get("data", ""),
        }
        if block.get("title"):
            blob["filename"] = block["title"]
        return blob
    if kind == "image" and source.get("url"):
        return {"type": "uri", "modality": "image", "uri": source["url"]}
    dropped.append(f"message {index}: {'assistant ' if role == 'assistant' else 'a '}{kind!r} block")
    return None


def _output_format(rest: dict[str, Any], out: Neutral) -> None:
    """``output_config`` that only asks for a JSON Schema output becomes the neutral response format."""
    config = rest.get("output_config")
    fmt = config.get("format") if isinstance(config, dict) and len(config) == 1 else None
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        rest.pop("output_config")
        out.response_format = {"name": "response", "schema": fmt.get("schema") or {}}


def _tools(rest: dict[str, Any], out: Neutral) -> None:
    for tool in rest.pop("tools", None) or []:
        if "input_schema" not in tool:
            out.dropped.append(f"server tool {tool.get('name') or tool.get('type')!r}")
            continue
        converted = {"type": "function", "name": tool.get("name"), "parameters": tool["input_schema"]}
        if tool.get("description"):
            converted["description"] = tool["description"]
        out.tools.append(converted)
    choice = rest.pop("tool_choice", None)
    if not choice:
        return
    kind = choice.get("type")
    if kind == "tool":
        out.params["tool_choice"] = {"name": choice.get("name")}
    elif kind in ("auto", "any", "none"):
        out.params["tool_choice"] = {"auto": "auto", "any": "required", "none": "none"}[kind]
    if choice.get("disable_parallel_tool_use"):
        out.params["parallel_tool_calls"] = False


# --- neutral → Anthropic messages ----------------------------------------------------------------


def from_neutral(neutral: Neutral, default_max_tokens: int, max_temperature: float):
    warnings: list[str] = []
    p = dict(neutral.params)
    out: dict[str, Any] = {"model": neutral.model}
    out["max_tokens"] = _max_tokens(p, default_max_tokens, warnings)
    system, turns = _turns(neutral, warnings)
    if system:
        out["system"] = system
    out["messages"] = turns
    _anthropic_tools(neutral, out)
    if neutral.response_format:
        schema = neutral.response_format.get("schema") or {}
        out["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
    if p.get("stop_sequences"):
        out["stop_sequences"] = list(p["stop_sequences"])
    if p.get("user"):
        out["metadata"] = {"user_id": p["user"]}
    if p.get("stream"):
        out["stream"] = True
    extra = {}
    for key in _SAMPLING:
        if p.get(key) is not None:
            value = p[key]
            extra[key] = clamp(value, max_temperature, LABEL, warnings) if key == "temperature" else value
    if extra:
        out["extra_body"] = extra
    warnings.extend(leftover(p, _SUPPORTED, LABEL))
    return out, warnings


def _max_tokens(p: dict[str, Any], default: int, warnings: list[str]) -> int:
    if p.get("max_tokens"):
        return int(p["max_tokens"])
    warnings.append(
        f"the original request set no max_tokens, which Anthropic requires; sent {default}"
        " (use --max-tokens to choose)"
    )
    return default


def _turns(neutral: Neutral, warnings: list[str]) -> tuple[str | None, list[dict[str, Any]]]:
    system = list(neutral.system)
    turns: list[dict[str, Any]] = []
    for index, message in enumerate(neutral.messages):
        role = message.get("role")
        if role in ("system", "developer"):
            if turns:
                warnings.append(
                    f"{role} message {index} comes after the conversation started; Anthropic has one "
                    "system prompt, so it was moved there"
                )
            system.append("".join(part_text(p) for p in message.get("parts") or []))
            continue
        turn = _anthropic_turn(index, message, warnings)
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


def _anthropic_turn(index: int, message: dict[str, Any], warnings: list[str]) -> dict[str, Any] | None:
    role = message.get("role")
    if role not in ("user", "assistant", "tool"):
        warnings.append(f"message {index} has role {role!r}, which Anthropic does not accept; not sent")
        return None
    blocks = [b for b in (_anthropic_block(index, p, warnings) for p in message.get("parts") or []) if b]
    if role == "tool":
        return {"role": "user", "content": blocks}
    if role == "assistant" and not blocks:
        return None
    if not blocks:
        return {"role": role, "content": ""}
    if len(blocks) == 1 and blocks[0]["type"] == "text" and (role == "assistant" or len(blocks) == 1):
        return {"role": role, "content": blocks[0]["text"]}
    return {"role": role, "content": blocks}


def _anthropic_block(index: int, part: dict[str, Any], warnings: list[str]) -> dict[str, Any] | None:
    kind = part.get("type", "text")
    if kind == "text":
        return {"type": "text", "text": part_text(part)}
    if kind == "tool_call":
        arguments = part.get("arguments")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments) if arguments.strip() else {}
            except ValueError:
                arguments = {"arguments": arguments}
        return {"type": "tool_use", "id": part.get("id"), "name": part.get("name"), "input": arguments or {}}
    if kind == "tool_call_response":
        response = part.get("response")
        text = response if isinstance(response, str) else json.dumps(response, ensure_ascii=False)
        return {"type": "tool_result", "tool_use_id": part.get("id"), "content": text}
    if kind == "blob":
        source = {"type": "base64", "media_type": part.get("mime_type"), "data": part.get("content", "")}
        block = {"type": "image" if part.get("modality") == "image" else "document", "source": source}
        return block
    if kind == "uri" and part.get("modality") == "image":
        return {"type": "image", "source": {"type": "url", "url": part.get("uri")}}
    warnings.append(f"message {index}: a {kind!r} part has no {LABEL} equivalent; not sent")
    return None


def _blocks(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return list(content)


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


def _anthropic_tools(neutral: Neutral, out: dict[str, Any]) -> None:
    tools = []
    for tool in neutral.tools:
        converted = {"name": tool.get("name"), "input_schema": tool.get("parameters") or {"type": "object"}}
        if tool.get("description"):
            converted["description"] = tool["description"]
        tools.append(converted)
    if tools:
        out["tools"] = tools
    choice = neutral.params.get("tool_choice")
    if isinstance(choice, dict):
        choice = {"type": "tool", "name": choice.get("name")}
    elif isinstance(choice, str):
        choice = {"auto": {"type": "auto"}, "required": {"type": "any"}, "none": {"type": "none"}}.get(choice)
    if neutral.params.get("parallel_tool_calls") is False:
        choice = {**(choice or {"type": "auto"}), "disable_parallel_tool_use": True}
    if choice:
        out["tool_choice"] = choice
