"""google-genai ``generate_content`` requests ↔ the neutral form (``otel_llm.providers.neutral``).

A request is ``{"model", "contents", "config"}`` as the SDK takes it (``config`` a dict in the
SDK's snake_case, camelCase read too). Gemini names no tool call: a call gets the id
``call_{turn}_{n}`` in the neutral form, and a function response the id of the earliest unanswered
call of the same function (else the next one in order). Back to Gemini, a function response gets
the name of the call its id points to. Thought summaries and non-function tools (search, code
execution) have no neutral form.
"""

from __future__ import annotations

import json
from typing import Any

from otel_llm.instrumentation.gemini.parts import instruction_texts, model_name, option, part, turns
from otel_llm.providers.neutral import Neutral, clamp, leftover, part_text

LABEL = "Gemini"
_NUMBERS: tuple[tuple[str, str], ...] = (
    ("max_output_tokens", "max_tokens"),
    ("temperature", "temperature"),
    ("top_p", "top_p"),
)
_NUMBERS += (("seed", "seed"), ("stop_sequences", "stop_sequences"))
_SUPPORTED = ("max_tokens", "temperature", "top_p", "seed", "stop_sequences", "tool_choice", "stream")
_MODES = {"AUTO": "auto", "ANY": "required", "NONE": "none"}
_NOT_FUNCTIONS = ("google_search", "google_search_retrieval", "code_execution", "retrieval", "url_context")


def to_neutral(params: dict[str, Any]) -> Neutral:
    rest = dict(params)
    config = dict(rest.pop("config", None) or {})
    out = Neutral(model=model_name(rest.pop("model", None)))
    out.system.extend(t for t in instruction_texts(_take(config, "system_instruction")) if t)
    out.messages.extend(_messages(rest.pop("contents", None), out.dropped))
    for key, name in _NUMBERS:
        value = _take(config, key)
        if value is not None:
            out.params[name] = list(value) if name == "stop_sequences" else value
    if rest.pop("stream", None):
        out.params["stream"] = True
    _tools(_take(config, "tools"), out)
    _response_format(config, out)
    _tool_choice(_take(config, "tool_config"), out)
    out.dropped.extend(f"'{key}'" for key, value in {**rest, **config}.items() if value is not None)
    return out


def _response_format(config: dict[str, Any], out: Neutral) -> None:
    schema = option(config, "response_json_schema")
    if isinstance(schema, dict) and option(config, "response_mime_type") == "application/json":
        _take(config, "response_json_schema")
        _take(config, "response_mime_type")
        out.response_format = {"name": "response", "schema": schema}


def _take(config: dict[str, Any], name: str) -> Any:
    value = option(config, name)
    config.pop(name, None)
    config.pop("".join(w.capitalize() if i else w for i, w in enumerate(name.split("_"))), None)
    return value


def _messages(contents: Any, dropped: list[str]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    pending: list[tuple[str | None, str]] = []  # (function name, id) of calls not answered yet
    for index, turn in enumerate(turns(contents)):
        role = "assistant" if option(turn, "role") == "model" else "user"
        parts, responses = [], []
        for n, raw in enumerate(option(turn, "parts") or ()):
            converted = part(raw)
            kind = converted["type"]
            if kind == "tool_call":
                converted["id"] = converted.get("id") or f"call_{index}_{n}"
                converted["arguments"] = converted.get("arguments") or {}
                pending.append((converted.get("name"), converted["id"]))
            elif kind == "tool_call_response":
                name = option(option(raw, "function_response"), "name")
                converted = {**converted, "id": converted.get("id") or _answer(pending, name)}
                converted["response"] = _response_text(converted.get("response"))
                responses.append(converted)
                continue
            elif kind not in ("text", "blob", "uri"):
                dropped.append(f"message {index}: a {kind!r} part")
                continue
            parts.append(converted)
        if responses:
            messages.append({"role": "tool", "parts": responses})
        if parts or not responses:
            messages.append({"role": role, "parts": parts})
    return messages


def _answer(pending: list[tuple[str | None, str]], name: Any) -> str | None:
    for i, (called, _) in enumerate(pending):
        if called == name:
            return pending.pop(i)[1]
    return pending.pop(0)[1] if pending else None


def _response_text(response: Any) -> str:
    """A function response as text: ``{"result": text}`` (what the SDK sends) as that text."""
    if isinstance(response, dict) and len(response) == 1:
        (value,) = response.values()
        if isinstance(value, str):
            return value
    return response if isinstance(response, str) else json.dumps(response, ensure_ascii=False)


def json_schema(schema: Any) -> Any:
    """A Gemini ``Schema`` (``"type": "OBJECT"``) as JSON schema (lower-case type names)."""
    if isinstance(schema, dict):
        return {
            k: (v.lower() if k == "type" and isinstance(v, str) else json_schema(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [json_schema(v) for v in schema]
    return schema


def _tools(tools: Any, out: Neutral) -> None:
    for tool in tools or ():
        for declaration in option(tool, "function_declarations") or ():
            parameters = option(declaration, "parameters_json_schema")
            if parameters is None:
                parameters = json_schema(option(declaration, "parameters")) or {"type": "object"}
            converted = {"type": "function", "name": option(declaration, "name"), "parameters": parameters}
            if option(declaration, "description"):
                converted["description"] = option(declaration, "description")
            out.tools.append(converted)
        out.dropped.extend(f"tool {name!r}" for name in _NOT_FUNCTIONS if option(tool, name) is not None)


def _tool_choice(tool_config: Any, out: Neutral) -> None:
    calling = option(tool_config, "function_calling_config")
    mode = str(option(calling, "mode") or "").upper()
    if mode not in _MODES:
        return
    allowed = option(calling, "allowed_function_names") or []
    if mode == "ANY" and len(allowed) == 1:
        out.params["tool_choice"] = {"name": allowed[0]}
    else:
        out.params["tool_choice"] = _MODES[mode]


# --- neutral → Gemini ----------------------------------------------------------------------------


def from_neutral(neutral: Neutral, max_temperature: float) -> tuple[dict[str, Any], list[str]]:
    warnings: list[str] = []
    p = dict(neutral.params)
    config: dict[str, Any] = {}
    system, contents = _contents(neutral, warnings)
    if system:
        config["system_instruction"] = system
    for key, name in _NUMBERS:
        if p.get(name) is not None:
            config[key] = list(p[name]) if name == "stop_sequences" else p[name]
    if "temperature" in config:
        config["temperature"] = clamp(config["temperature"], max_temperature, LABEL, warnings)
    _gemini_tools(neutral, config)
    if neutral.response_format:
        config["response_mime_type"] = "application/json"
        config["response_json_schema"] = neutral.response_format.get("schema") or {}
    out: dict[str, Any] = {"model": neutral.model, "contents": contents}
    if config:
        out["config"] = config
    if p.get("stream"):
        out["stream"] = True
    if p.get("parallel_tool_calls") is False:
        warnings.append(f"'parallel_tool_calls' false has no {LABEL} equivalent; not sent")
    warnings.extend(leftover({k: v for k, v in p.items() if k != "parallel_tool_calls"}, _SUPPORTED, LABEL))
    return out, warnings


def _contents(neutral: Neutral, warnings: list[str]) -> tuple[str | None, list[dict[str, Any]]]:
    system = list(neutral.system)
    contents: list[dict[str, Any]] = []
    names: dict[Any, Any] = {}  # tool call id -> function name
    for index, message in enumerate(neutral.messages):
        role = message.get("role")
        if role in ("system", "developer"):
            if contents:
                warnings.append(
                    f"{role} message {index} comes after the conversation started; {LABEL} has one "
                    "system instruction, so it was moved there"
                )
            system.append("".join(part_text(p) for p in message.get("parts") or []))
            continue
        if role not in ("user", "assistant", "tool"):
            warnings.append(f"message {index} has role {role!r}, which {LABEL} does not accept; not sent")
            continue
        parts = [
            g for g in (_gemini_part(index, p, names, warnings) for p in message.get("parts") or []) if g
        ]
        if parts:
            _append(contents, "model" if role == "assistant" else "user", parts)
    return ("\n\n".join(s for s in system if s) or None), contents


def _append(contents: list[dict[str, Any]], role: str, parts: list[dict[str, Any]]) -> None:
    """Consecutive turns of one role merged (a call's responses make one turn, as Gemini wants)."""
    if contents and contents[-1]["role"] == role:
        contents[-1]["parts"].extend(parts)
    else:
        contents.append({"role": role, "parts": parts})


def _gemini_part(index: int, p: dict[str, Any], names: dict, warnings: list[str]) -> dict[str, Any] | None:
    kind = p.get("type", "text")
    if kind == "text":
        text = part_text(p)
        return {"text": text} if text else None
    if kind == "tool_call":
        names[p.get("id")] = p.get("name")
        return {"function_call": {"name": p.get("name"), "args": _arguments(p.get("arguments"))}}
    if kind == "tool_call_response":
        name = names.get(p.get("id")) or p.get("name")
        return {"function_response": {"name": name, "response": _response(p.get("response"))}}
    if kind == "blob":
        return {"inline_data": {"mime_type": p.get("mime_type"), "data": p.get("content", "")}}
    if kind == "uri":
        return {"file_data": {"file_uri": p.get("uri"), "mime_type": p.get("mime_type")}}
    warnings.append(f"message {index}: a {kind!r} part has no {LABEL} equivalent; not sent")
    return None


def _arguments(arguments: Any) -> dict[str, Any]:
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            return {"arguments": arguments}
    return arguments if isinstance(arguments, dict) else {"arguments": arguments}


def _response(response: Any) -> dict[str, Any]:
    if isinstance(response, dict):
        return response
    if isinstance(response, str):
        try:
            parsed = json.loads(response)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    return {"result": response}


def _gemini_tools(neutral: Neutral, config: dict[str, Any]) -> None:
    declarations = []
    for tool in neutral.tools:
        declaration = {
            "name": tool.get("name"),
            "parameters_json_schema": tool.get("parameters") or {"type": "object"},
        }
        if tool.get("description"):
            declaration["description"] = tool["description"]
        declarations.append(declaration)
    if declarations:
        config["tools"] = [{"function_declarations": declarations}]
    choice = neutral.params.get("tool_choice")
    if isinstance(choice, dict):
        calling = {"mode": "ANY", "allowed_function_names": [choice.get("name")]}
    elif choice in ("auto", "required", "none"):
        calling = {"mode": {"auto": "AUTO", "required": "ANY", "none": "NONE"}[choice]}
    else:
        return
    config["tool_config"] = {"function_calling_config": calling}
