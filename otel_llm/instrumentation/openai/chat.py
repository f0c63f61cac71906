"""OpenAI Chat Completions: request attributes, content, response and stream accumulation."""

from __future__ import annotations

from typing import Any

from otel_llm import attributes as attrs
from otel_llm.instrumentation.common import content
from otel_llm.instrumentation.common.call import LLMCall
from otel_llm.instrumentation.common.fields import (
    NUMBER_TYPES,
    as_mapping,
    get,
    integer,
    number,
    string_list,
    texts,
)
from otel_llm.providers.openai import endpoints

_SYSTEM_ROLES = ("system", "developer")
_NUMERIC_PARAMS = (
    ("temperature", attrs.GEN_AI_REQUEST_TEMPERATURE),
    ("top_p", attrs.GEN_AI_REQUEST_TOP_P),
    ("seed", attrs.GEN_AI_REQUEST_SEED),
)


class ChatHandler:
    api = "openai.chat.completions"
    provider = "openai"
    operation = "chat"

    def record_params(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return kwargs

    def provider_of(self, resource: Any) -> str:
        """The provider the client's base URL reaches (an OpenAI-compatible endpoint or OpenAI)."""
        return endpoints.provider_of_client(getattr(resource, "_client", None))

    def request_attributes(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        a: dict[str, Any] = {attrs.GEN_AI_OPERATION_NAME: "chat", attrs.GEN_AI_PROVIDER_NAME: "openai"}
        get_ = kwargs.get
        model = get_("model")
        if type(model) is str:
            a[attrs.GEN_AI_REQUEST_MODEL] = model
        for name, attribute in _NUMERIC_PARAMS:
            value = get_(name)
            if value is not None and (type(value) in NUMBER_TYPES or number(value) is not None):
                a[attribute] = value  # bools and the SDK's omit sentinel are left out
        max_tokens = integer(get_("max_completion_tokens")) or integer(get_("max_tokens"))
        if max_tokens is not None:
            a[attrs.GEN_AI_REQUEST_MAX_TOKENS] = max_tokens
        stop = get_("stop")
        if stop is not None:
            stop = string_list(stop)
            if stop:
                a[attrs.GEN_AI_REQUEST_STOP_SEQUENCES] = stop
        return a

    def system_text(self, kwargs: dict[str, Any]) -> str | None:
        found = []
        for message in kwargs.get("messages") or ():
            fields = message if type(message) is dict else as_mapping(message)
            if fields.get("role") in _SYSTEM_ROLES:
                found.extend(texts(fields.get("content")))
        return "\n".join(found) if found else None

    def request_content(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        # System and developer messages are part of the chat history here, so the conventions put
        # them in gen_ai.input.messages (gen_ai.system_instructions is for instructions an API takes
        # apart from the history). Storage still derives the instructions' text for display.
        messages = [
            {"role": fields.get("role"), "parts": input_parts(fields)}
            for fields in (
                message if type(message) is dict else as_mapping(message)
                for message in kwargs.get("messages") or ()
            )
        ]
        values: dict[str, Any] = {attrs.GEN_AI_INPUT_MESSAGES: messages}
        tools = kwargs.get("tools")
        if isinstance(tools, list | tuple) and tools:
            values[attrs.GEN_AI_TOOL_DEFINITIONS] = list(tools)
        return values

    def response(self, call: LLMCall, completion: Any) -> None:
        # A ChatCompletion (pydantic model) from the SDK: its fields read as attributes.
        choices = getattr(completion, "choices", None) or ()
        reasons = [getattr(c, "finish_reason", None) for c in choices]
        call.set_response(getattr(completion, "id", None), getattr(completion, "model", None), reasons)
        set_chat_usage(call, getattr(completion, "usage", None))
        if call.capture:
            output = [
                output_message(getattr(c, "message", None), reason)
                for c, reason in zip(choices, reasons, strict=True)
            ]
            call.set_output(output)

    def accumulator(self, call: LLMCall) -> ChatAccumulator:
        return ChatAccumulator(call.capture)


class ParseHandler(ChatHandler):
    """``chat.completions.parse``: recorded as the Chat Completions request it sends."""

    def record_params(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        from openai.lib._parsing import type_to_response_format_param

        params = {**kwargs, "stream": False}
        if "response_format" in kwargs:
            params["response_format"] = type_to_response_format_param(kwargs["response_format"])
        return params


def input_parts(message: Any) -> list[dict[str, Any]]:
    """Parts of a message: a dict, or an SDK model (e.g. a previous response's message sent back)."""
    fields = message if type(message) is dict else as_mapping(message)
    body = fields.get("content")
    if fields.get("role") == "tool":
        return [content.tool_response_part(fields.get("tool_call_id"), body)]
    parts: list[dict[str, Any]] = [{"type": "text", "content": t} for t in texts(body)]
    for tool_call in fields.get("tool_calls") or ():
        function = get(tool_call, "function") or {}
        parts.append(
            content.tool_call_part(get(tool_call, "id"), get(function, "name"), get(function, "arguments"))
        )
    return parts


def output_message(message: Any, finish_reason: Any) -> dict[str, Any]:
    parts = input_parts(message) if message is not None else []
    return {"role": "assistant", "parts": parts, "finish_reason": finish_reason}


def set_chat_usage(call: LLMCall, usage: Any) -> None:
    if usage is None:
        return
    fields = usage if type(usage) is dict else as_mapping(usage)
    details = fields.get("prompt_tokens_details")
    cached = integer(get(details, "cached_tokens")) if details is not None else None
    prompt, completion = fields.get("prompt_tokens"), fields.get("completion_tokens")
    call.set_usage(integer(prompt), integer(completion), cached)


class ChatAccumulator:
    """Collects a streamed completion: text pieces kept as lists, joined once at the end."""

    __slots__ = ("capture", "response_id", "model", "usage", "texts", "tools", "reasons")

    def __init__(self, capture: bool) -> None:
        self.capture = capture
        self.response_id = self.model = self.usage = None
        self.texts: dict[int, list[str]] = {}
        self.tools: dict[int, dict[int, dict[str, Any]]] = {}
        self.reasons: dict[int, str] = {}

    def add(self, chunk: Any) -> None:
        if self.response_id is None:
            self.response_id, self.model = chunk.id, chunk.model
        if chunk.usage is not None:
            self.usage = chunk.usage
        for choice in chunk.choices:
            if choice.finish_reason:
                self.reasons[choice.index] = choice.finish_reason
            delta = choice.delta
            if not self.capture or delta is None:
                continue
            if delta.content:
                self.texts.setdefault(choice.index, []).append(delta.content)
            if delta.tool_calls:
                self._add_tool_calls(choice.index, delta.tool_calls)

    def _add_tool_calls(self, index: int, deltas: Any) -> None:
        calls = self.tools.setdefault(index, {})
        for delta in deltas:
            entry = calls.setdefault(delta.index, {"id": None, "name": None, "arguments": []})
            if delta.id:
                entry["id"] = delta.id
            function = delta.function
            if function is not None:
                if function.name:
                    entry["name"] = function.name
                if function.arguments:
                    entry["arguments"].append(function.arguments)

    def finish(self, call: LLMCall) -> None:
        indexes = sorted(set(self.reasons) | set(self.texts) | set(self.tools))
        call.set_response(self.response_id, self.model, [self.reasons.get(i) for i in indexes])
        set_chat_usage(call, self.usage)
        if self.capture:
            call.set_output(self._output(indexes))

    def _output(self, indexes: list[int]) -> list[dict[str, Any]]:
        output = []
        for i in indexes:
            parts = [content.text_part("".join(self.texts[i]))] if i in self.texts else []
            for entry in self.tools.get(i, {}).values():
                parts.append(content.tool_call_part(entry["id"], entry["name"], "".join(entry["arguments"])))
            output.append({"role": "assistant", "parts": parts, "finish_reason": self.reasons.get(i)})
        return output
