"""Chat templates: messages (each a template), tool definitions and a response format.

What a chat version holds, validated at create:

- ``messages``: ``{"role", "content"}`` with role ``system``, ``user``, ``assistant`` or ``tool``;
  ``content`` is a template in the prompt's format. A ``tool`` message names the call it answers
  (``tool_call_id``); an ``assistant`` message may carry ``tool_calls`` (``{"id", "name",
  "arguments"}``), sent as given.
- ``tools``: ``{"name", "description", "parameters"}`` (``parameters`` a JSON Schema object); the
  OpenAI form ``{"type": "function", "function": {...}}`` is read too.
- ``response_format``: ``{"name", "schema", "strict"}`` (``schema`` a JSON Schema); the OpenAI form
  ``{"type": "json_schema", "json_schema": {...}}`` is read too.

Rendered, a chat version becomes the neutral request form (``otel_llm.providers.neutral``), which
every provider adapter turns into its own call arguments.
"""

from __future__ import annotations

import re
from typing import Any

from otel_llm.prompts.errors import InvalidInput
from otel_llm.providers.neutral import PARAMS, Neutral, text_part

ROLES = ("system", "user", "assistant", "tool")
MAX_MESSAGES = 200
MAX_TOOLS = 128
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def validate_messages(messages: Any) -> list[dict[str, Any]]:
    if not isinstance(messages, list) or not messages:
        raise InvalidInput("a chat prompt needs a list of messages, e.g. [{role: system, content: ...}].")
    if len(messages) > MAX_MESSAGES:
        raise InvalidInput(f"a chat prompt has at most {MAX_MESSAGES} messages.")
    return [_message(index, m) for index, m in enumerate(messages, 1)]


def _message(index: int, message: Any) -> dict[str, Any]:
    if not isinstance(message, dict):
        raise InvalidInput(f"message {index} must be an object with a role and a content.")
    role, content = message.get("role"), message.get("content", "")
    if role not in ROLES:
        raise InvalidInput(f"message {index} has role {role!r}; use one of: {', '.join(ROLES)}.")
    if not isinstance(content, str):
        raise InvalidInput(f"message {index} ({role}): the content must be text (a template).")
    out: dict[str, Any] = {"role": role, "content": content}
    if role == "tool":
        if not isinstance(message.get("tool_call_id"), str) or not message["tool_call_id"]:
            raise InvalidInput(f"message {index} (tool) must name the call it answers in tool_call_id.")
        out["tool_call_id"] = message["tool_call_id"]
    if role == "assistant" and message.get("tool_calls"):
        out["tool_calls"] = _tool_calls(index, message["tool_calls"])
    if not content.strip() and "tool_calls" not in out:
        raise InvalidInput(f"message {index} ({role}) is empty.")
    return out


def _tool_calls(index: int, calls: Any) -> list[dict[str, Any]]:
    if not isinstance(calls, list):
        raise InvalidInput(f"message {index}: tool_calls must be a list of {{id, name, arguments}}.")
    out = []
    for call in calls:
        if not isinstance(call, dict) or not call.get("id") or not call.get("name"):
            raise InvalidInput(f"message {index}: each tool call needs an id and a name.")
        out.append(
            {"id": str(call["id"]), "name": str(call["name"]), "arguments": call.get("arguments") or {}}
        )
    return out


def validate_tools(tools: Any) -> list[dict[str, Any]]:
    if tools is None:
        return []
    if not isinstance(tools, list) or len(tools) > MAX_TOOLS:
        raise InvalidInput(f"tools must be a list of at most {MAX_TOOLS} {{name, description, parameters}}.")
    out: list[dict[str, Any]] = []
    for tool in tools:
        converted = _tool(tool)
        if any(t["name"] == converted["name"] for t in out):
            raise InvalidInput(f"the tool {converted['name']!r} is defined twice.")
        out.append(converted)
    return out


def _tool(tool: Any) -> dict[str, Any]:
    if isinstance(tool, dict) and isinstance(tool.get("function"), dict):
        tool = tool["function"]
    if not isinstance(tool, dict) or not _TOOL_NAME.match(str(tool.get("name") or "")):
        raise InvalidInput("each tool needs a name of 1-64 letters, digits, '_' or '-'.")
    parameters = tool.get("parameters") or {"type": "object", "properties": {}}
    check_schema(parameters, f"tool {tool['name']!r} parameters")
    out: dict[str, Any] = {"type": "function", "name": tool["name"], "parameters": parameters}
    if tool.get("description"):
        out["description"] = str(tool["description"])
    return out


def validate_response_format(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, dict) and isinstance(value.get("json_schema"), dict):
        value = value["json_schema"]
    if not isinstance(value, dict) or not isinstance(value.get("schema"), dict):
        raise InvalidInput("response_format must be {name, schema} with a JSON Schema object as schema.")
    name = str(value.get("name") or "response")
    if not _TOOL_NAME.match(name):
        raise InvalidInput("the response format's name must be 1-64 letters, digits, '_' or '-'.")
    check_schema(value["schema"], "the response format's schema")
    out: dict[str, Any] = {"name": name, "schema": value["schema"]}
    if value.get("strict") is not None:
        out["strict"] = bool(value["strict"])
    return out


def check_schema(schema: Any, what: str) -> None:
    """``InvalidInput`` when ``schema`` is not a JSON Schema object (checked with ``jsonschema``
    when it is installed, as on the server)."""
    if not isinstance(schema, dict):
        raise InvalidInput(f"{what} must be a JSON Schema object.")
    try:
        from jsonschema import SchemaError, validators
    except ImportError:  # an app without the server extra: the server checked it at create
        return
    try:
        validators.validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        raise InvalidInput(f"{what} is not a valid JSON Schema: {exc.message}.") from exc


def system_template(messages: list[dict[str, Any]]) -> str:
    """The system messages' templates, joined as a provider sends them (what spans link on)."""
    return "\n\n".join(m["content"] for m in messages if m["role"] == "system")


def to_neutral(
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]],
    response_format: dict[str, Any] | None,
    config: dict[str, Any],
) -> Neutral:
    """The neutral request of rendered ``messages`` with the version's tools, response format and
    model parameters (config keys that are neutral parameters)."""
    out = Neutral(model=config.get("model"), tools=[dict(t) for t in tools])
    out.response_format = dict(response_format) if response_format else None
    out.params = {k: config[k] for k in PARAMS if config.get(k) is not None and k != "stream"}
    for message in messages:
        out.messages.append(_neutral_message(message))
    return out


def _neutral_message(message: dict[str, Any]) -> dict[str, Any]:
    role = message["role"]
    if role == "tool":
        part = {"type": "tool_call_response", "id": message["tool_call_id"], "response": message["content"]}
        return {"role": "tool", "parts": [part]}
    parts = [text_part(message["content"])] if message["content"] else []
    for call in message.get("tool_calls") or ():
        parts.append({"type": "tool_call", **call})
    return {"role": role, "parts": parts}


def from_neutral(neutral: Neutral) -> dict[str, Any]:
    """A chat set-up (messages, tools, response format, config) from a neutral request: what a
    playground edits and saves as a new version."""
    messages = [{"role": "system", "content": text} for text in neutral.system]
    for message in neutral.messages:
        messages.append(_chat_message(message))
    config = {k: v for k, v in neutral.params.items() if k != "stream" and v is not None}
    if neutral.model:
        config["model"] = neutral.model
    return {
        "messages": messages,
        "tools": [{k: v for k, v in t.items() if k != "type"} for t in neutral.tools],
        "response_format": neutral.response_format,
        "config": config,
    }


def _chat_message(message: dict[str, Any]) -> dict[str, Any]:
    parts = message.get("parts") or []
    role = message.get("role") if message.get("role") in ROLES else "user"
    answer = next((p for p in parts if p.get("type") == "tool_call_response"), None)
    if answer is not None:
        response = answer.get("response")
        return {"role": "tool", "tool_call_id": str(answer.get("id")), "content": str(response)}
    text = "".join(p.get("content", "") for p in parts if p.get("type", "text") == "text")
    out: dict[str, Any] = {"role": role, "content": text}
    calls = [
        {k: p.get(k) for k in ("id", "name", "arguments")} for p in parts if p.get("type") == "tool_call"
    ]
    if calls:
        out["tool_calls"] = calls
    return out
