"""Anthropic Messages: request attributes, content, response and stream accumulation.

Token arithmetic per the GenAI conventions: Anthropic's ``input_tokens`` exclude cache reads and
writes, so the recorded input total is ``input_tokens + cache_read + cache_creation``; the cache
counts are kept separately.
"""

from __future__ import annotations

import logging
from typing import Any

from otel_llm import attributes as attrs
from otel_llm.instrumentation.common import content
from otel_llm.instrumentation.common.call import LLMCall
from otel_llm.instrumentation.common.fields import get, integer, number, set_number, string_list, texts

logger = logging.getLogger(__name__)

_SAMPLING = (
    ("temperature", attrs.GEN_AI_REQUEST_TEMPERATURE),
    ("top_p", attrs.GEN_AI_REQUEST_TOP_P),
    ("top_k", attrs.GEN_AI_REQUEST_TOP_K),
)
"""Sampling parameters: keywords of older SDKs; SDKs without those keywords (anthropic 2.x) get
them in ``extra_body``, where they are read when the keyword is absent."""


class MessagesHandler:
    api = "anthropic.messages"
    provider = "anthropic"
    operation = "chat"

    def record_params(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        if kwargs.get("output_format") is None:
            return kwargs
        return output_format_as_config(kwargs)

    def request_attributes(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        a: dict[str, Any] = {attrs.GEN_AI_OPERATION_NAME: "chat", attrs.GEN_AI_PROVIDER_NAME: "anthropic"}
        model = kwargs.get("model")
        if isinstance(model, str):
            a[attrs.GEN_AI_REQUEST_MODEL] = model
        set_number(a, attrs.GEN_AI_REQUEST_MAX_TOKENS, integer(kwargs.get("max_tokens")))
        extra = kwargs.get("extra_body")
        extra = extra if isinstance(extra, dict) else {}
        for name, attribute in _SAMPLING:
            value = number(kwargs.get(name))
            set_number(a, attribute, extra.get(name) if value is None else value)
        stop = string_list(kwargs.get("stop_sequences"))
        if stop:
            a[attrs.GEN_AI_REQUEST_STOP_SEQUENCES] = stop
        return a

    def system_text(self, kwargs: dict[str, Any]) -> str | None:
        found = texts(kwargs.get("system"))
        return "\n".join(found) if found else None

    def request_content(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        messages = [
            {"role": get(m, "role"), "parts": block_parts(get(m, "content"))}
            for m in kwargs.get("messages") or ()
        ]
        values: dict[str, Any] = {attrs.GEN_AI_INPUT_MESSAGES: messages}
        system = texts(kwargs.get("system"))
        if system:
            values[attrs.GEN_AI_SYSTEM_INSTRUCTIONS] = [content.text_part(t) for t in system]
        tools = kwargs.get("tools")
        if isinstance(tools, list | tuple) and tools:
            values[attrs.GEN_AI_TOOL_DEFINITIONS] = list(tools)
        return values

    def response(self, call: LLMCall, message: Any) -> None:
        stop_reason = get(message, "stop_reason")
        call.set_response(get(message, "id"), get(message, "model"), [stop_reason] if stop_reason else None)
        set_usage(call, get(message, "usage"))
        if call.capture:
            output = {
                "role": "assistant",
                "parts": block_parts(get(message, "content")),
                "finish_reason": stop_reason,
            }
            call.set_output([output])

    def accumulator(self, call: LLMCall) -> MessageAccumulator:
        return MessageAccumulator(call.capture)


class BetaMessagesHandler(MessagesHandler):
    """``beta.messages``: the same request and response shapes, recorded under their own API name
    (its ``betas`` and beta-only parameters are not the Messages API's, so replay does not send it)."""

    api = "anthropic.beta.messages"


def output_format_as_config(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``output_format`` (a type) as the ``output_config.format`` JSON schema the SDK sends."""
    from anthropic.lib._parse._transform import cached_json_schema, transform_schema
    from pydantic import TypeAdapter

    params = dict(kwargs)
    output_format = params.pop("output_format")
    schema = transform_schema(cached_json_schema(TypeAdapter(output_format)))
    config = params.get("output_config")
    config = dict(config) if isinstance(config, dict) else {}
    config["format"] = {"schema": schema, "type": "json_schema"}
    params["output_config"] = config
    return params


def block_parts(body: Any) -> list[dict[str, Any]]:
    """Semconv parts of a message content (a string or content blocks)."""
    if isinstance(body, str):
        return [content.text_part(body)]
    parts: list[dict[str, Any]] = []
    for block in body or ():
        kind = get(block, "type")
        if kind == "text":
            parts.append(content.text_part(get(block, "text")))
        elif kind in ("tool_use", "server_tool_use"):
            parts.append(content.tool_call_part(get(block, "id"), get(block, "name"), get(block, "input")))
        elif kind == "tool_result":
            parts.append(content.tool_response_part(get(block, "tool_use_id"), get(block, "content")))
        else:
            parts.append({"type": str(kind)})
    return parts


def set_usage(call: LLMCall, usage: Any) -> None:
    if usage is None:
        return
    cache_read = integer(get(usage, "cache_read_input_tokens"))
    cache_write = integer(get(usage, "cache_creation_input_tokens"))
    input_tokens = integer(get(usage, "input_tokens"))
    if input_tokens is not None:
        input_tokens += (cache_read or 0) + (cache_write or 0)
    call.set_usage(input_tokens, integer(get(usage, "output_tokens")), cache_read, cache_write)


class _Usage:
    """Usage merged from ``message_start`` and ``message_delta`` (the latter wins where it has values)."""

    __slots__ = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")

    def __init__(self) -> None:
        self.input_tokens = self.output_tokens = None
        self.cache_read_input_tokens = self.cache_creation_input_tokens = None

    def merge(self, usage: Any) -> None:
        for name in self.__slots__:
            value = getattr(usage, name, None)
            if value is not None:
                setattr(self, name, value)


class MessageAccumulator:
    """Collects a streamed message from its raw events; text kept as lists, joined once at the end."""

    __slots__ = ("capture", "message_id", "model", "usage", "stop_reason", "blocks")

    def __init__(self, capture: bool) -> None:
        self.capture = capture
        self.message_id = self.model = self.stop_reason = None
        self.usage = _Usage()
        self.blocks: dict[int, dict[str, Any]] = {}

    def add(self, event: Any) -> None:
        kind = event.type
        if kind == "content_block_delta":
            if self.capture:
                self._delta(event.index, event.delta)
        elif kind == "message_start":
            message = event.message
            self.message_id, self.model = message.id, message.model
            self.usage.merge(message.usage)
        elif kind == "message_delta":
            self.stop_reason = event.delta.stop_reason or self.stop_reason
            if event.usage is not None:
                self.usage.merge(event.usage)
        elif kind == "content_block_start" and self.capture:
            block = event.content_block
            self.blocks[event.index] = {"block": block, "pieces": []}

    def _delta(self, index: int, delta: Any) -> None:
        entry = self.blocks.get(index)
        if entry is None:
            return
        piece = getattr(delta, "text", None) or getattr(delta, "partial_json", None)
        if piece:
            entry["pieces"].append(piece)

    def finish(self, call: LLMCall) -> None:
        call.set_response(self.message_id, self.model, [self.stop_reason] if self.stop_reason else None)
        set_usage(call, self.usage)
        if self.capture:
            output = {"role": "assistant", "parts": self._parts(), "finish_reason": self.stop_reason}
            call.set_output([output])

    def _parts(self) -> list[dict[str, Any]]:
        parts = []
        for index in sorted(self.blocks):
            block, pieces = self.blocks[index]["block"], self.blocks[index]["pieces"]
            kind = block.type
            if kind == "text":
                parts.append(content.text_part((block.text or "") + "".join(pieces)))
            elif kind in ("tool_use", "server_tool_use"):
                arguments = "".join(pieces) or block.input
                parts.append(content.tool_call_part(block.id, block.name, arguments))
            else:
                parts.append({"type": str(kind)})
        return parts
