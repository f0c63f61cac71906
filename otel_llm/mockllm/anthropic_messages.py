"""Anthropic-compatible ``POST /v1/messages``: validation, prompt caching, answer, SSE events.

Prompt caching (see ``cache``): the prompt is the sequence tools → system → message blocks; a
block with ``cache_control`` ends a cacheable prefix; ``input_tokens`` excludes cache reads and
writes, as the real API reports it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from otel_llm.mockllm import generate
from otel_llm.mockllm.cache import PromptCache, Segment, breakpoints
from otel_llm.mockllm.errors import MIDSTREAM_MESSAGE, invalid
from otel_llm.mockllm.exchange import Call, JSONReply, StreamReply

MESSAGE_OVERHEAD = 3
MIDSTREAM_EVENTS = 4
STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "stop_sequence": "stop_sequence"}


@dataclass
class Answer:
    blocks: list[dict]  # final content blocks
    pieces: list[list[str]]  # stream pieces per block (text or partial JSON)
    stop_reason: str
    stop_sequence: str | None
    output_tokens: int


def block_text(block: Any) -> str:
    if isinstance(block, str):
        return block
    if not isinstance(block, dict):
        return json.dumps(block)
    kind = block.get("type")
    if kind == "text":
        return block.get("text", "")
    if kind == "tool_use":
        return block.get("name", "") + json.dumps(block.get("input", {}))
    if kind == "tool_result":
        return content_text(block.get("content"))
    return json.dumps({k: v for k, v in block.items() if k != "cache_control"})


def content_text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(block_text(b) for b in content)
    return block_text(content or "")


def user_text(body: Any) -> str:
    messages = body.get("messages") if isinstance(body, dict) else None
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("role") == "user":
            return content_text(message.get("content"))
    return ""


def validate(body: dict) -> None:
    for key in ("model", "max_tokens", "messages"):
        if key not in body:
            raise invalid(f"{key}: Field required")
    if not isinstance(body["max_tokens"], int) or body["max_tokens"] < 1:
        raise invalid("max_tokens: Input should be greater than or equal to 1")
    temperature = body.get("temperature")
    if temperature is not None and not (isinstance(temperature, int | float) and 0 <= temperature <= 1):
        raise invalid("temperature: Input should be less than or equal to 1")
    if not isinstance(body["messages"], list) or not body["messages"]:
        raise invalid("messages: at least one message is required")
    _validate_roles(body["messages"])
    _validate_tool_results(body["messages"])
    _validate_system_and_tools(body)
    stops = body.get("stop_sequences")
    if stops is not None and not (isinstance(stops, list) and all(isinstance(x, str) for x in stops)):
        raise invalid("stop_sequences: Input should be a valid list of strings")


def _validate_system_and_tools(body: dict) -> None:
    system = body.get("system")
    if system is not None and not isinstance(system, str | list):
        raise invalid("system: Input should be a valid string or a list of text blocks")
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise invalid("tools: Input should be a valid list")
    for i, tool in enumerate(tools or []):
        if not isinstance(tool, dict) or not tool.get("name"):
            raise invalid(f"tools.{i}.name: Field required")


def _validate_roles(messages: list) -> None:
    previous = None
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role == "system":
            raise invalid(
                'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, '
                'not "system" as an input message role.'
            )
        if role not in ("user", "assistant"):
            raise invalid(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        if i == 0 and role != "user":
            raise invalid('messages: first message must use the "user" role')
        if role == previous:
            raise invalid(
                f'messages: roles must alternate between "user" and "assistant", but found multiple "{role}" roles in a row'
            )
        previous = role


def _validate_tool_results(messages: list) -> None:
    for i, message in enumerate(messages):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        previous = messages[i - 1].get("content") if i else None
        use_ids = (
            {b.get("id") for b in previous if isinstance(b, dict) and b.get("type") == "tool_use"}
            if isinstance(previous, list)
            else set()
        )
        for j, block in enumerate(content):
            if (
                isinstance(block, dict)
                and block.get("type") == "tool_result"
                and block.get("tool_use_id") not in use_ids
            ):
                raise invalid(
                    f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` blocks: "
                    f"{block.get('tool_use_id')}. Each `tool_result` block must have a corresponding `tool_use` "
                    "block in the previous message."
                )


def _segments(body: dict) -> list[Segment]:
    """The prompt as (key, tokens, ends a cacheable prefix) in API order: tools, system, message blocks."""
    segments: list[Segment] = []
    for tool in body.get("tools") or []:
        bare = {k: v for k, v in tool.items() if k != "cache_control"}
        segments.append((["tool", bare], generate.count_tokens(json.dumps(bare)), "cache_control" in tool))
    system = body.get("system")
    for block in [system] if isinstance(system, str) else system or []:
        segments.append(
            (["system", block_text(block)], generate.count_tokens(block_text(block)), _cached(block))
        )
    for message in body["messages"]:
        content = message.get("content")
        blocks = [content] if isinstance(content, str) else content or []
        for n, block in enumerate(blocks):
            overhead = MESSAGE_OVERHEAD if n == 0 else 0
            key = [message["role"], n, block_text(block)]
            segments.append((key, overhead + generate.count_tokens(block_text(block)), _cached(block)))
    return segments


def _cached(block: Any) -> bool:
    return isinstance(block, dict) and "cache_control" in block


def input_usage(body: dict, cache: PromptCache) -> dict:
    segments = _segments(body)
    if body.get("cache_control") and segments:  # top-level: a breakpoint on the last cacheable block
        key, tokens, _ = segments[-1]
        segments[-1] = (key, tokens, True)
    marks, total = breakpoints("messages", body["model"], segments)
    read, write = cache.account(marks)
    return {
        "input_tokens": total - read - write,
        "cache_creation_input_tokens": write,
        "cache_read_input_tokens": read,
        "cache_creation": {"ephemeral_5m_input_tokens": write, "ephemeral_1h_input_tokens": 0},
    }


def seed(body: dict) -> bytes:
    """What the answer depends on: model, temperature (default 1), system text and messages."""
    temperature = body.get("temperature")
    turns = [[m["role"], content_text(m.get("content"))] for m in body["messages"]]
    system = content_text(body.get("system"))
    return generate.digest(
        "messages", body["model"], 1.0 if temperature is None else float(temperature), system, turns
    )


def _wanted_tool(body: dict) -> tuple[dict | None, bool]:
    """(tool to call or None, whether a short text precedes the call)."""
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict) and "input_schema" in t]
    choice = body.get("tool_choice") or {"type": "auto"}
    last = body["messages"][-1]
    answered = (
        last["role"] == "user"
        and isinstance(last.get("content"), list)
        and any(isinstance(b, dict) and b.get("type") == "tool_result" for b in last["content"])
    )
    if not tools or choice.get("type") == "none" or (answered and choice.get("type") == "auto"):
        return None, False
    if choice.get("type") == "tool":
        return next((t for t in tools if t.get("name") == choice.get("name")), tools[0]), False
    return tools[0], choice.get("type") == "auto"


def answer(body: dict) -> Answer:
    key = seed(body)
    tool, preamble = _wanted_tool(body)
    if tool is not None:
        return _tool_answer(body, key, tool, preamble)
    output = generate.finish(_text_pieces(body, key), body["max_tokens"], body.get("stop_sequences"))
    return Answer(
        [{"type": "text", "text": output.text}],
        [output.pieces],
        STOP_REASONS[output.finish],
        output.stop_sequence,
        output.tokens,
    )


def _text_pieces(body: dict, key: bytes) -> list[str]:
    fmt = (body.get("output_config") or {}).get("format") or body.get("output_format") or {}
    if fmt.get("type") == "json_schema":
        return generate.json_pieces(
            generate.schema_value(fmt.get("schema", {}), generate.rng_for(key, "json"))
        )
    return generate.reply_pieces(key, body["model"], user_text(body), content_text(body.get("system")))


def _tool_answer(body: dict, key: bytes, tool: dict, preamble: bool) -> Answer:
    args = generate.schema_value(tool.get("input_schema", {}), generate.rng_for(key, "args"), user_text(body))
    arguments = json.dumps(args)
    use = {
        "type": "tool_use",
        "id": "toolu_01" + generate.short_id(key, "tool", 22),
        "name": tool["name"],
        "input": args,
    }
    blocks, pieces, tokens = (
        [use],
        [generate.split(arguments)],
        generate.count_tokens(tool["name"] + arguments),
    )
    if preamble:
        words = f"I'll use the {tool['name']} tool.".split(" ")
        text_pieces = [words[0]] + [" " + w for w in words[1:]]
        blocks.insert(0, {"type": "text", "text": "".join(text_pieces)})
        pieces.insert(0, text_pieces)
        tokens += len(text_pieces)
    return Answer(blocks, pieces, "tool_use", None, tokens)


def handle(call: Call, cache: PromptCache) -> JSONReply | StreamReply:
    body = call.body
    validate(body)
    result = answer(body)
    usage = {**input_usage(body, cache), "output_tokens": result.output_tokens, "service_tier": "standard"}
    message = {
        "id": "msg_01" + call.request_id.removeprefix("req_")[:22],
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": result.blocks,
        "stop_reason": result.stop_reason,
        "stop_sequence": result.stop_sequence,
        "usage": usage,
    }
    headers = {"request-id": call.request_id}
    if body.get("stream"):
        return StreamReply(stream_events(message, result, call.error == "midstream"), headers)
    return JSONReply(message, headers=headers)


def count_tokens(call: Call) -> JSONReply:
    """``POST /v1/messages/count_tokens``: the prompt's input tokens (no answer, no cache effect)."""
    body = {"max_tokens": 1, **call.body}
    validate(body)
    return JSONReply(
        {"input_tokens": sum(tokens for _, tokens, _ in _segments(body))},
        headers={"request-id": call.request_id},
    )


def stream_events(message: dict, result: Answer, midstream: bool) -> list:
    """The SSE events of a streamed message, ``ping`` included, as the real API sends them."""
    usage = message["usage"]
    start = {**message, "content": [], "stop_reason": None, "stop_sequence": None}
    events = [_event("message_start", message={**start, "usage": {**usage, "output_tokens": 1}})]
    for index, (block, pieces) in enumerate(zip(result.blocks, result.pieces, strict=True)):
        events.append(_event("content_block_start", index=index, content_block=_empty(block)))
        if index == 0:
            events.append(_event("ping"))
        for piece in pieces:
            events.append(_event("content_block_delta", index=index, delta=_delta(block, piece)))
            if midstream and len(events) >= MIDSTREAM_EVENTS:
                error = {"type": "api_error", "message": MIDSTREAM_MESSAGE}
                return events + [_event("error", error=error)]
        events.append(_event("content_block_stop", index=index))
    delta = {"stop_reason": result.stop_reason, "stop_sequence": result.stop_sequence}
    counted = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens")
    events.append(_event("message_delta", delta=delta, usage={k: usage[k] for k in counted}))
    events.append(_event("message_stop"))
    return events


def _event(kind: str, **fields: Any) -> tuple[str, dict]:
    return kind, {"type": kind, **fields}


def _empty(block: dict) -> dict:
    if block["type"] == "tool_use":
        return {**block, "input": {}}
    return {"type": "text", "text": "", "citations": None}


def _delta(block: dict, piece: str) -> dict:
    if block["type"] == "tool_use":
        return {"type": "input_json_delta", "partial_json": piece}
    return {"type": "text_delta", "text": piece}
