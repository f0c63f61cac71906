"""OpenAI-compatible ``POST /v1/responses`` (Responses API): validation, answer, usage, stream events.

Streams send the event sequence the SDK's ``responses.stream`` accumulator expects:
``response.created``, ``response.in_progress``, per output item ``response.output_item.added`` …
(``content_part.added``, ``output_text.delta``×n, ``output_text.done``, ``content_part.done`` for a
message; ``function_call_arguments.delta``×n, ``function_call_arguments.done`` for a call)
… ``response.output_item.done``, then ``response.completed`` (``response.incomplete`` when
``max_output_tokens`` cut the answer).
"""

from __future__ import annotations

import json
from typing import Any

from otel_llm.mockllm import generate
from otel_llm.mockllm.cache import PromptCache, Segment, openai_cached_tokens
from otel_llm.mockllm.errors import MIDSTREAM_MESSAGE, invalid
from otel_llm.mockllm.exchange import Call, JSONReply, StreamReply

MIN_OUTPUT_TOKENS = 16
MIDSTREAM_EVENTS = 5


def item_text(item: Any) -> str:
    if isinstance(item, str):
        return item
    if not isinstance(item, dict):
        return json.dumps(item)
    content = item.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            p.get("text", "") if isinstance(p, dict) and "text" in p else json.dumps(p) for p in content
        )
    return json.dumps(item)


def _items(body: dict) -> list:
    value = body.get("input")
    return [{"role": "user", "content": value}] if isinstance(value, str) else list(value or [])


def user_text(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    for item in reversed(_items(body)):
        if isinstance(item, dict) and item.get("role") == "user":
            return item_text(item)
    return ""


def validate(body: dict) -> None:
    if not body.get("model"):
        raise invalid("Missing required parameter: 'model'.", "model", "missing_required_parameter")
    _validate_input(body)
    _validate_tools(body.get("tools"))
    temperature = body.get("temperature")
    if temperature is not None and not (isinstance(temperature, int | float) and 0 <= temperature <= 2):
        raise invalid(
            f"Invalid 'temperature': expected a value between 0 and 2, got {temperature}.", "temperature"
        )
    limit = body.get("max_output_tokens")
    if limit is not None and (not isinstance(limit, int) or limit < MIN_OUTPUT_TOKENS):
        raise invalid(
            f"Invalid 'max_output_tokens': integer below minimum value. Expected a value >= {MIN_OUTPUT_TOKENS}, but got {limit} instead.",
            "max_output_tokens",
            "integer_below_min_value",
        )


def _validate_input(body: dict) -> None:
    value = body.get("input")
    if value is None and not body.get("previous_response_id"):
        raise invalid("Missing required parameter: 'input'.", "input", "missing_required_parameter")
    if value is not None and not isinstance(value, str | list):
        raise invalid(
            "Invalid type for 'input': expected a string or an array of input items.", "input", "invalid_type"
        )
    for i, item in enumerate(value if isinstance(value, list) else []):
        if not isinstance(item, dict):
            raise invalid(
                f"Invalid type for 'input[{i}]': expected an object.", f"input[{i}]", "invalid_type"
            )
    if not body.get("previous_response_id"):
        _validate_outputs(_items(body))


def _validate_tools(tools: Any) -> None:
    if tools is not None and not isinstance(tools, list):
        raise invalid("Invalid type for 'tools': expected an array.", "tools", "invalid_type")
    for i, tool in enumerate(tools or []):
        if not isinstance(tool, dict) or (tool.get("type") == "function" and not tool.get("name")):
            raise invalid(
                f"Missing required parameter: 'tools[{i}].name'.",
                f"tools[{i}].name",
                "missing_required_parameter",
            )


def _validate_outputs(items: list) -> None:
    calls = {i.get("call_id") for i in items if isinstance(i, dict) and i.get("type") == "function_call"}
    for item in items:
        if (
            isinstance(item, dict)
            and item.get("type") == "function_call_output"
            and item.get("call_id") not in calls
        ):
            raise invalid(
                f"No tool call found for function call output with call_id {item.get('call_id')}.", "input"
            )


def input_segments(body: dict) -> list[Segment]:
    """The prompt for token counting and automatic caching: tools and instructions, then items."""
    instructions = body.get("instructions") or ""
    head = generate.count_tokens(instructions)
    if body.get("tools"):
        head += generate.count_tokens(json.dumps(body["tools"]))
    segments: list[Segment] = [(["head", body.get("tools"), instructions], head, False)]
    segments += [(item, 4 + generate.count_tokens(item_text(item)), False) for item in _items(body)]
    return segments


def seed(body: dict) -> bytes:
    temperature = body.get("temperature")
    turns = [
        [i.get("role") or i.get("type"), item_text(i)] if isinstance(i, dict) else i for i in _items(body)
    ]
    system = [body.get("instructions") or ""] + [t[1] for t in turns if t[0] in ("system", "developer")]
    turns = [t for t in turns if t[0] not in ("system", "developer")]
    return generate.digest(
        "responses", body["model"], 1.0 if temperature is None else float(temperature), system, turns
    )


def _wanted_tool(body: dict) -> dict | None:
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("type") == "function"]
    choice = body.get("tool_choice")
    items = _items(body)
    answered = bool(items) and isinstance(items[-1], dict) and items[-1].get("type") == "function_call_output"
    if not tools or choice == "none" or answered:
        return None
    if isinstance(choice, dict) and choice.get("name"):
        return next((t for t in tools if t.get("name") == choice["name"]), tools[0])
    return tools[0]


def output_items(body: dict, key: bytes, request_id: str) -> tuple[list[dict], list[list[str]], int, bool]:
    """(output items, their stream pieces, output tokens, whether max_output_tokens cut the answer)."""
    tool = _wanted_tool(body)
    suffix = request_id.removeprefix("req_")
    if tool is not None:
        args = generate.schema_value(
            tool.get("parameters", {}), generate.rng_for(key, "args"), user_text(body)
        )
        arguments = json.dumps(args)
        call_id = "call_" + generate.short_id(key, "call")
        item = {
            "type": "function_call",
            "id": "fc_" + suffix,
            "call_id": call_id,
            "name": tool["name"],
            "arguments": arguments,
            "status": "completed",
        }
        return [item], [generate.split(arguments)], generate.count_tokens(tool["name"] + arguments), False
    output = generate.finish(_text_pieces(body, key), body.get("max_output_tokens"), None)
    cut = output.finish == "length"
    part = {"type": "output_text", "text": output.text, "annotations": [], "logprobs": []}
    item = {
        "type": "message",
        "id": "msg_" + suffix,
        "status": "incomplete" if cut else "completed",
        "role": "assistant",
        "content": [part],
    }
    return [item], [output.pieces], output.tokens, cut


def _text_pieces(body: dict, key: bytes) -> list[str]:
    fmt = (body.get("text") or {}).get("format") or {}
    if fmt.get("type") == "json_schema":
        return generate.json_pieces(
            generate.schema_value(fmt.get("schema", {}), generate.rng_for(key, "json"))
        )
    if fmt.get("type") == "json_object":
        return generate.json_pieces({"answer": "".join(_reply(body, key))})
    return _reply(body, key)


def _reply(body: dict, key: bytes) -> list[str]:
    system = [body.get("instructions") or ""] + [
        item_text(i) for i in _items(body) if isinstance(i, dict) and i.get("role") in ("system", "developer")
    ]
    return generate.reply_pieces(key, body["model"], user_text(body), " ".join(system))


def usage(prompt: int, completion: int, cached: int) -> dict:
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": 0},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": prompt + completion,
    }


def handle(call: Call, cache: PromptCache) -> JSONReply | StreamReply:
    body = call.body
    validate(body)
    segments = input_segments(body)
    cached = openai_cached_tokens(cache, "responses", body["model"], segments)
    items, pieces, tokens, cut = output_items(body, seed(body), call.request_id)
    response = {
        "id": "resp_" + call.request_id.removeprefix("req_"),
        "object": "response",
        "created_at": call.created,
        "status": "incomplete" if cut else "completed",
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if cut else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": generate.openai_response_model(body["model"]),
        "output": items,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "temperature": body.get("temperature", 1.0),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"),
        "metadata": body.get("metadata") or {},
        "usage": usage(sum(t for _, t, _ in segments), tokens, cached),
    }
    if body.get("stream"):
        return StreamReply(stream_events(response, pieces, call.error == "midstream"))
    return JSONReply(response)


def stream_events(response: dict, pieces: list[list[str]], midstream: bool) -> list:
    started = {**response, "status": "in_progress", "output": [], "usage": None, "incomplete_details": None}
    raw = [_event("response.created", response=started), _event("response.in_progress", response=started)]
    for index, (item, item_pieces) in enumerate(zip(response["output"], pieces, strict=True)):
        raw += _item_events(index, item, item_pieces)
    final = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
    raw.append(_event(final, response=response))
    if midstream:
        error = {"type": "server_error", "code": "server_error", "message": MIDSTREAM_MESSAGE}
        failure = _event("error", code="server_error", message=MIDSTREAM_MESSAGE, param=None, error=error)
        raw = raw[:MIDSTREAM_EVENTS] + [failure]
    return [(event["type"], {**event, "sequence_number": n}) for n, event in enumerate(raw)]


def _event(kind: str, **fields: Any) -> dict:
    return {"type": kind, **fields}


def _item_events(index: int, item: dict, pieces: list[str]) -> list[dict]:
    if item["type"] == "function_call":
        body = _call_events(item, index, pieces)
        added = {**item, "arguments": "", "status": "in_progress"}
    else:
        body = _message_events(item, index, pieces)
        added = {**item, "status": "in_progress", "content": []}
    return [
        _event("response.output_item.added", output_index=index, item=added),
        *body,
        _event("response.output_item.done", output_index=index, item=item),
    ]


def _call_events(item: dict, index: int, pieces: list[str]) -> list[dict]:
    where = {"item_id": item["id"], "output_index": index}
    deltas = [_event("response.function_call_arguments.delta", **where, delta=p) for p in pieces]
    return deltas + [_event("response.function_call_arguments.done", **where, arguments=item["arguments"])]


def _message_events(item: dict, index: int, pieces: list[str]) -> list[dict]:
    where = {"item_id": item["id"], "output_index": index, "content_index": 0}
    part = item["content"][0]
    return [
        _event("response.content_part.added", **where, part={**part, "text": ""}),
        *[_event("response.output_text.delta", **where, delta=p, logprobs=[]) for p in pieces],
        _event("response.output_text.done", **where, text=part["text"], logprobs=[]),
        _event("response.content_part.done", **where, part=part),
    ]
