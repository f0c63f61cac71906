"""google-genai contents, parts and config as the GenAI semantic conventions write them.

The SDK takes dicts (snake_case or camelCase keys) as well as its pydantic types, and a
``contents`` of a string, a part, a list of parts (one user turn) or a list of turns; all of them
are read here without converting them through the SDK.
"""

from __future__ import annotations

import base64
import inspect
import re
from typing import Any, Literal

from otel_llm.instrumentation.common import content
from otel_llm.instrumentation.common.fields import get

_SNAKE = re.compile(r"_([a-z])")
_MODEL_PREFIX = re.compile(r"^(?:.*/)?models/")
ROLES = {"model": "assistant", "user": "user"}
ApiOption = Literal["GEMINI_API", "VERTEX_AI"]
"""How the SDK declares a Python function as a tool, for the Developer API or Vertex AI."""


def option(obj: Any, name: str) -> Any:
    """Field ``name`` (snake_case) of an SDK object or of a dict in either spelling."""
    if obj is None:
        return None
    value = get(obj, name)
    if value is None and isinstance(obj, dict):
        value = obj.get(_SNAKE.sub(lambda m: m.group(1).upper(), name))
    return value


def model_name(model: Any) -> str | None:
    """``models/gemini-2.5-flash`` and Vertex resource names as the bare model name."""
    return _MODEL_PREFIX.sub("", model) if isinstance(model, str) else None


def _is_turn(item: Any) -> bool:
    return option(item, "parts") is not None or (isinstance(item, dict) and "role" in item)


def turns(contents: Any) -> list[Any]:
    """``contents`` as a list of turns: consecutive parts (strings, parts) make one user turn."""
    if contents is None:
        return []
    if not isinstance(contents, list | tuple):
        contents = [contents]
    found: list[Any] = []
    pending: list[Any] = []
    for item in contents:
        if _is_turn(item):
            if pending:
                found.append({"role": "user", "parts": pending})
                pending = []
            found.append(item)
        else:
            pending.append(item)
    if pending:
        found.append({"role": "user", "parts": pending})
    return found


def message(turn: Any) -> dict[str, Any]:
    parts = [part(p) for p in option(turn, "parts") or ()]
    role = ROLES.get(str(option(turn, "role") or "user"), "user")
    if role == "user" and parts and all(p.get("type") == "tool_call_response" for p in parts):
        role = "tool"
    return {"role": role, "parts": parts}


def input_messages(contents: Any) -> list[dict[str, Any]]:
    return [message(turn) for turn in turns(contents)]


def part(value: Any) -> dict[str, Any]:
    """One semconv part of a google-genai part (a string, a ``Part`` or a dict)."""
    if isinstance(value, str):
        return content.text_part(value)
    text = option(value, "text")
    if isinstance(text, str):
        return {"type": "reasoning", "content": text} if option(value, "thought") else content.text_part(text)
    call = option(value, "function_call")
    if call is not None:
        return content.tool_call_part(option(call, "id"), option(call, "name"), option(call, "args"))
    response = option(value, "function_response")
    if response is not None:
        return content.tool_response_part(option(response, "id"), option(response, "response"))
    return _media_part(value)


def _media_part(value: Any) -> dict[str, Any]:
    inline = option(value, "inline_data")
    if inline is not None:
        mime = option(inline, "mime_type")
        data = option(inline, "data")
        if isinstance(data, bytes):
            data = base64.b64encode(data).decode()
        return {"type": "blob", "mime_type": mime, "modality": _modality(mime), "content": data}
    file = option(value, "file_data")
    if file is not None:
        mime = option(file, "mime_type")
        return {
            "type": "uri",
            "uri": option(file, "file_uri"),
            "mime_type": mime,
            "modality": _modality(mime),
        }
    return {"type": type(value).__name__ if not isinstance(value, dict) else next(iter(value), "unknown")}


def _modality(mime: Any) -> str | None:
    kind = str(mime or "").split("/")[0]
    return kind if kind in ("image", "video", "audio") else None


def instruction_texts(instruction: Any) -> list[str]:
    """Texts of a ``system_instruction``: a string, a part, a turn or a list of parts."""
    if instruction is None:
        return []
    if isinstance(instruction, str):
        return [instruction]
    if isinstance(instruction, list | tuple):
        return [t for item in instruction for t in instruction_texts(item)]
    parts = option(instruction, "parts")
    if parts is not None:
        return instruction_texts(list(parts))
    text = option(instruction, "text")
    return [text] if isinstance(text, str) else []


def tool_records(tools: Any, api_option: ApiOption) -> list[Any]:
    """``config.tools`` as JSON-able values: a Python function becomes the function declaration the
    SDK sends for it (the function itself cannot be recorded or replayed)."""
    return [_tool_record(tool, api_option) for tool in tools or ()]


def _tool_record(tool: Any, api_option: ApiOption) -> Any:
    if not (inspect.isfunction(tool) or inspect.ismethod(tool)):
        return tool
    from google.genai import types

    declaration = types.FunctionDeclaration.from_callable_with_api_option(
        callable=tool, api_option=api_option, use_json_schema=True
    )
    return {"function_declarations": [declaration.model_dump(mode="json", exclude_none=True)]}
