"""Reading and validating a Gemini ``generateContent`` request body.

The API takes its protobuf JSON fields in camelCase (``generationConfig``, ``maxOutputTokens``) and
also in snake_case (``generation_config``); the ``google-genai`` SDK sends a mixture of both (e.g.
``thinkingConfig: {"thinking_budget": ...}``), so every field is read under either name. Errors are
worded as the API words them (``* GenerateContentRequest.contents: ...``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from otel_llm.mockllm.errors import invalid

ROLES = ("user", "model")
MAX_CANDIDATES = 8
_CAMEL = re.compile(r"([A-Z])")


def field(obj: Any, name: str, default: Any = None) -> Any:
    """``obj[name]`` under its camelCase ``name`` or its snake_case spelling."""
    if not isinstance(obj, dict):
        return default
    if name in obj:
        return obj[name]
    return obj.get(_CAMEL.sub(lambda m: "_" + m.group(1).lower(), name), default)


def generation(body: dict) -> dict:
    config = field(body, "generationConfig")
    return config if isinstance(config, dict) else {}


def contents(body: dict) -> list:
    value = field(body, "contents")
    return value if isinstance(value, list) else []


def part_text(part: Any) -> str:
    """The text a part contributes to the prompt (function calls and responses as JSON)."""
    if not isinstance(part, dict):
        return json.dumps(part)
    if isinstance(part.get("text"), str):
        return part["text"]
    call = field(part, "functionCall")
    if isinstance(call, dict):
        return str(call.get("name", "")) + json.dumps(call.get("args", {}), sort_keys=True)
    response = field(part, "functionResponse")
    if isinstance(response, dict):
        return str(response.get("name", "")) + json.dumps(response.get("response", {}), sort_keys=True)
    return json.dumps(part, sort_keys=True)


def content_text(content: Any) -> str:
    parts = content.get("parts") if isinstance(content, dict) else None
    return "".join(part_text(p) for p in parts or [])


def system_text(body: dict) -> str:
    system = field(body, "systemInstruction")
    if isinstance(system, str):
        return system
    return content_text(system) if isinstance(system, dict) else ""


def user_text(body: Any) -> str:
    """Text of the last user content (where ``[[mock:...]]`` control tokens are read)."""
    for content in reversed(contents(body) if isinstance(body, dict) else []):
        if isinstance(content, dict) and content.get("role", "user") == "user":
            return content_text(content)
    return ""


def declarations(body: dict) -> list[dict]:
    """The function declarations of every tool, in order."""
    found = []
    for tool in field(body, "tools") or []:
        for declaration in field(tool, "functionDeclarations") or []:
            if isinstance(declaration, dict):
                found.append(declaration)
    return found


def _has(part: Any, name: str) -> bool:
    return isinstance(part, dict) and isinstance(field(part, name), dict)


def answers_a_call(content: Any) -> bool:
    parts = content.get("parts") if isinstance(content, dict) else None
    return bool(parts) and any(_has(p, "functionResponse") for p in parts or ())


def validate(body: dict) -> None:
    given = field(body, "contents")
    if not isinstance(given, list) or not given:
        raise invalid("* GenerateContentRequest.contents: contents is not specified")
    for i, content in enumerate(given):
        _validate_content(i, content, given[i - 1] if i else None)
    _validate_generation(generation(body))
    for i, declaration in enumerate(declarations(body)):
        if not declaration.get("name"):
            raise invalid(
                f"* GenerateContentRequest.tools[0].function_declarations[{i}].name: Name is empty."
            )
    system = field(body, "systemInstruction")
    if system is not None and not isinstance(system, dict | str):
        raise invalid(
            "Invalid value at 'system_instruction' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content)"
        )


def _validate_content(i: int, content: Any, previous: Any) -> None:
    if not isinstance(content, dict):
        raise invalid(
            f"Invalid value at 'contents[{i}]' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content)"
        )
    if content.get("role", "user") not in ROLES:
        raise invalid("Please use a valid role: user, model.")
    parts = content.get("parts")
    if not isinstance(parts, list) or not parts:
        raise invalid(f"* GenerateContentRequest.contents[{i}].parts: contents.parts must not be empty.")
    if answers_a_call(content):
        before = previous.get("parts") if isinstance(previous, dict) else None
        if (
            previous is None
            or previous.get("role") != "model"
            or not any(_has(p, "functionCall") for p in before or [])
        ):
            raise invalid(
                "Please ensure that function response turn comes immediately after a function call turn."
            )


def _validate_generation(config: dict) -> None:
    _number(config, "temperature", 0, 2)
    _number(config, "topP", 0, 1)
    limit = field(config, "maxOutputTokens")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise invalid(
            "* GenerateContentRequest.generation_config.max_output_tokens: max_output_tokens must be positive."
        )
    count = field(config, "candidateCount")
    if count is not None and not (isinstance(count, int) and 1 <= count <= MAX_CANDIDATES):
        raise invalid(
            f"* GenerateContentRequest.generation_config.candidate_count: must be between 1 and {MAX_CANDIDATES}."
        )
    stops = field(config, "stopSequences")
    if stops is not None and not (isinstance(stops, list) and all(isinstance(s, str) for s in stops)):
        raise invalid("Invalid value at 'generation_config.stop_sequences': a list of strings is expected")


def _number(config: dict, name: str, low: float, high: float) -> None:
    value = field(config, name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        snake = _CAMEL.sub(lambda m: "_" + m.group(1).lower(), name)
        raise invalid(
            f"* GenerateContentRequest.generation_config.{snake}: {snake} must be in the range [{low:g}, {high:g}]."
        )
