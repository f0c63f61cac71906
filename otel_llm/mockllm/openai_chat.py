"""OpenAI-compatible ``POST /v1/chat/completions``: validation, answer, usage, SSE chunks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from otel_llm.mockllm import generate
from otel_llm.mockllm.cache import PromptCache, Segment, openai_cached_tokens
from otel_llm.mockllm.errors import MIDSTREAM_MESSAGE, invalid
from otel_llm.mockllm.exchange import Call, JSONReply, StreamReply

ROLES = ("system", "developer", "user", "assistant", "tool", "function")
MIDSTREAM_CHUNKS = 3


@dataclass
class Choice:
    index: int
    output: generate.Output | None  # text answer
    tool_call: dict | None  # {"id", "type", "function": {"name", "arguments"}}
    tokens: int

    @property
    def finish_reason(self) -> str:
        if self.tool_call:
            return "tool_calls"
        assert self.output is not None
        return "length" if self.output.finish == "length" else "stop"


def content_text(content: Any) -> str:
    """Text of a message's content: a string or a list of parts (non-text parts as JSON)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            p.get("text", "") if p.get("type") == "text" else json.dumps(p)
            for p in content
            if isinstance(p, dict)
        )
    return json.dumps(content)


def user_text(body: Any) -> str:
    """Text of the last user message (where ``[[mock:...]]`` control tokens are read)."""
    messages = body.get("messages") if isinstance(body, dict) else None
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("role") == "user":
            return content_text(message.get("content"))
    return ""


def validate(body: dict) -> None:
    if not body.get("model"):
        raise invalid("you must provide a model parameter", "model")
    if "messages" not in body:
        raise invalid("Missing required parameter: 'messages'.", "messages", "missing_required_parameter")
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        raise invalid(
            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            "messages",
            "empty_array",
        )
    _validate_messages(messages)
    _validate_tools(body.get("tools"))
    stop = body.get("stop")
    if stop is not None and not (
        isinstance(stop, str) or (isinstance(stop, list) and all(isinstance(x, str) for x in stop))
    ):
        raise invalid(
            "Invalid type for 'stop': expected a string or an array of strings.", "stop", "invalid_type"
        )
    _validate_number(body, "temperature", 0, 2)
    _validate_number(body, "top_p", 0, 1)
    if body.get("stream_options") is not None and not body.get("stream"):
        raise invalid(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options"
        )
    for key in ("max_tokens", "max_completion_tokens", "n"):
        if body.get(key) is not None and (not isinstance(body[key], int) or body[key] < 1):
            raise invalid(
                f"Invalid '{key}': integer below minimum value. Expected a value >= 1.",
                key,
                "integer_below_min_value",
            )


def _validate_messages(messages: list) -> None:
    pending_ids: set[str | None] = set()
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ROLES:
            raise invalid(
                f"Invalid value: {role!r}. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
                f"messages[{i}].role",
                "invalid_value",
            )
        if role == "tool" and message.get("tool_call_id") not in pending_ids:
            raise invalid(
                "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
                f"messages.[{i}].role",
            )
        if role == "assistant":
            pending_ids = {c.get("id") for c in message.get("tool_calls") or [] if isinstance(c, dict)}
        elif role != "tool":
            pending_ids = set()


def _validate_tools(tools: Any) -> None:
    if tools is None:
        return
    if not isinstance(tools, list):
        raise invalid("Invalid type for 'tools': expected an array.", "tools", "invalid_type")
    for i, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) else None
        if tool.get("type", "function") == "function" and not (
            isinstance(function, dict) and function.get("name")
        ):
            raise invalid(
                f"Missing required parameter: 'tools[{i}].function.name'.",
                f"tools[{i}].function.name",
                "missing_required_parameter",
            )


def _validate_number(body: dict, key: str, low: float, high: float) -> None:
    value = body.get(key)
    if value is None:
        return
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise invalid(
            f"Invalid type for '{key}': expected a decimal, but got a {type(value).__name__} instead.", key
        )
    if not low <= value <= high:
        side = "above maximum" if value > high else "below minimum"
        limit = f"<= {high}" if value > high else f">= {low}"
        raise invalid(
            f"Invalid '{key}': decimal {side} value. Expected a value {limit}, but got {value} instead.",
            key,
            f"decimal_{side.replace(' ', '_')}_value",
        )


def prompt_segments(body: dict) -> list[Segment]:
    """The prompt for token counting and automatic caching: tools and format first, then messages."""
    head = 3 + sum(
        generate.count_tokens(json.dumps(body[k])) for k in ("tools", "response_format") if body.get(k)
    )
    segments: list[Segment] = [(["head", body.get("tools"), body.get("response_format")], head, False)]
    for message in body["messages"]:
        tokens = 4 + generate.count_tokens(content_text(message.get("content")))
        if message.get("tool_calls"):
            tokens += generate.count_tokens(json.dumps(message["tool_calls"]))
        segments.append((message, tokens, False))
    return segments


def seed(body: dict, index: int) -> bytes:
    """What the answer depends on: model, temperature (default 1), system text, messages, choice index."""
    system = [
        content_text(m.get("content")) for m in body["messages"] if m.get("role") in ("system", "developer")
    ]
    turns = [
        [m.get("role"), content_text(m.get("content")), m.get("tool_calls"), m.get("tool_call_id")]
        for m in body["messages"]
        if m.get("role") not in ("system", "developer")
    ]
    temperature = body.get("temperature")
    return generate.digest(
        "chat", body["model"], 1.0 if temperature is None else float(temperature), system, turns, index
    )


def _wants_tool(body: dict) -> dict | None:
    tools = [
        t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("type", "function") == "function"
    ]
    choice = body.get("tool_choice")
    if not tools or choice == "none" or body["messages"][-1].get("role") == "tool":
        return None
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        return next((t for t in tools if t.get("function", {}).get("name") == name), tools[0])
    return tools[0]


def make_choice(body: dict, index: int, text_hint: str) -> Choice:
    key = seed(body, index)
    tool = _wants_tool(body)
    if tool is not None:
        return _tool_choice(index, key, tool.get("function", {}), text_hint)
    output = generate.finish(_answer_pieces(body, key), _max_tokens(body), _stop(body))
    return Choice(index, output, None, output.tokens)


def _tool_choice(index: int, key: bytes, function: dict, text_hint: str) -> Choice:
    args = generate.schema_value(function.get("parameters", {}), generate.rng_for(key, "args"), text_hint)
    name, arguments = function.get("name", ""), json.dumps(args)
    call_id = "call_" + generate.short_id(key, "call")
    call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
    return Choice(index, None, call, generate.count_tokens(name) + generate.count_tokens(arguments))


def _answer_pieces(body: dict, key: bytes) -> list[str]:
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema", {})
        return generate.json_pieces(generate.schema_value(schema, generate.rng_for(key, "json")))
    if response_format.get("type") == "json_object":
        return generate.json_pieces({"answer": "".join(_reply(body, key))})
    return _reply(body, key)


def _reply(body: dict, key: bytes) -> list[str]:
    system = " ".join(
        content_text(m.get("content")) for m in body["messages"] if m.get("role") in ("system", "developer")
    )
    return generate.reply_pieces(key, body["model"], user_text(body), system)


def _max_tokens(body: dict) -> int | None:
    return body.get("max_completion_tokens") or body.get("max_tokens")


def _stop(body: dict) -> list[str]:
    stop = body.get("stop")
    return [stop] if isinstance(stop, str) else list(stop or [])


def usage(prompt: int, completion: int, cached: int) -> dict:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def handle(call: Call, cache: PromptCache) -> JSONReply | StreamReply:
    body = call.body
    validate(body)
    hint = user_text(body)
    choices = [make_choice(body, i, hint) for i in range(body.get("n") or 1)]
    segments = prompt_segments(body)
    cached = openai_cached_tokens(cache, "chat", body["model"], segments)
    totals = usage(sum(t for _, t, _ in segments), sum(c.tokens for c in choices), cached)
    head = {
        "id": "chatcmpl-" + call.request_id.removeprefix("req_"),
        "created": call.created,
        "model": generate.openai_response_model(body["model"]),
        "system_fingerprint": "fp_mockllm",
    }
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return StreamReply(
            stream_events(head, choices, totals if include_usage else None, call.error == "midstream")
        )
    reply = {"object": "chat.completion", "choices": [_message_choice(c) for c in choices], "usage": totals}
    return JSONReply({**head, **reply, "service_tier": "default"})


def _message_choice(choice: Choice) -> dict:
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None, "annotations": []}
    if choice.tool_call:
        message["tool_calls"] = [choice.tool_call]
    else:
        assert choice.output is not None
        message["content"] = choice.output.text
    return {
        "index": choice.index,
        "message": message,
        "logprobs": None,
        "finish_reason": choice.finish_reason,
    }


def stream_events(head: dict, choices: list[Choice], totals: dict | None, midstream: bool) -> list:
    """Chunks of each choice; with ``totals`` (``include_usage``) a final usage chunk."""
    chunk_head = {**head, "object": "chat.completion.chunk"}
    extra = {"usage": None} if totals else {}
    events: list = []
    for choice in choices:
        for delta, finish in _deltas(choice):
            entry = {"index": choice.index, "delta": delta, "logprobs": None, "finish_reason": finish}
            events.append((None, {**chunk_head, "choices": [entry], **extra}))
            if midstream and len(events) == MIDSTREAM_CHUNKS:
                error = {"message": MIDSTREAM_MESSAGE, "type": "server_error", "param": None, "code": None}
                return events + [(None, {"error": error})]
    if totals:
        events.append((None, {**chunk_head, "choices": [], "usage": totals}))
    events.append((None, "[DONE]"))
    return events


def _deltas(choice: Choice) -> list[tuple[dict[str, Any], str | None]]:
    if choice.tool_call:
        call = choice.tool_call
        start = {
            "index": 0,
            "id": call["id"],
            "type": "function",
            "function": {"name": call["function"]["name"], "arguments": ""},
        }
        deltas: list[tuple[dict[str, Any], str | None]] = [
            ({"role": "assistant", "content": None, "tool_calls": [start], "refusal": None}, None)
        ]
        for piece in generate.split(call["function"]["arguments"]):
            deltas.append(({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}, None))
    else:
        assert choice.output is not None
        deltas = [({"role": "assistant", "content": "", "refusal": None}, None)]
        deltas += [({"content": piece}, None) for piece in choice.output.pieces]
    deltas.append(({}, choice.finish_reason))
    return deltas
