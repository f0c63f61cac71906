"""OpenAI Chat Completions: request attributes, content, response and stream accumulation."""

from __future__ import annotations

from typing import Any

from otel_llm import attributes as attrs
from otel_llm.instrumentation.common import content
from otel_llm.instrumentation.common.call import LLMCall
from otel_llm.instrumentation.common.fields import get, integer, set_number, string_list, texts

_SYSTEM_ROLES = ("system", "developer")


class ChatHandler:
    api = "openai.chat.completions"
    provider = "openai"
    operation = "chat"

    def record_params(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return kwargs

    def request_attributes(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        a: dict[str, Any] = {attrs.GEN_AI_OPERATION_NAME: "chat", attrs.GEN_AI_PROVIDER_NAME: "openai"}
        model = kwargs.get("model")
        if isinstance(model, str):
            a[attrs.GEN_AI_REQUEST_MODEL] = model
        set_number(a, attrs.GEN_AI_REQUEST_TEMPERATURE, kwargs.get("temperature"))
        set_number(a, attrs.GEN_AI_REQUEST_TOP_P, kwargs.get("top_p"))
        set_number(a, attrs.GEN_AI_REQUEST_SEED, kwargs.get("seed"))
        max_tokens = integer(kwargs.get("max_completion_tokens")) or integer(kwargs.get("max_tokens"))
        if max_tokens is not None:
            a[attrs.GEN_AI_REQUEST_MAX_TOKENS] = max_tokens
        stop = string_list(kwargs.get("stop"))
        if stop:
            a[attrs.GEN_AI_REQUEST_STOP_SEQUENCES] = stop
        return a

    def system_text(self, kwargs: dict[str, Any]) -> str | None:
        found = [
            text
            for message in kwargs.get("messages") or ()
            if get(message, "role") in _SYSTEM_ROLES
            for text in texts(get(message, "content"))
        ]
        return "\n".join(found) if found else None

    def request_content(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        system, messages = [], []
        for message in kwargs.get("messages") or ():
            role = get(message, "role")
            if role in _SYSTEM_ROLES:
                system.extend(content.text_part(t) for t in texts(get(message, "content")))
            else:
                messages.append({"role": role, "parts": input_parts(message)})
        values: dict[str, Any] = {attrs.GEN_AI_INPUT_MESSAGES: messages}
        if system:
            values[attrs.GEN_AI_SYSTEM_INSTRUCTIONS] = system
        tools = kwargs.get("tools")
        if isinstance(tools, list | tuple) and tools:
            values[attrs.GEN_AI_TOOL_DEFINITIONS] = list(tools)
        return values

    def response(self, call: LLMCall, completion: Any) -> None:
        choices = get(completion, "choices") or ()
        call.set_response(
            get(completion, "id"), get(completion, "model"), [get(c, "finish_reason") for c in choices]
        )
        set_chat_usage(call, get(completion, "usage"))
        if call.capture:
            output = [output_message(get(c, "message"), get(c, "finish_reason")) for c in choices]
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
    role = get(message, "role")
    body = get(message, "content")
    if role == "tool":
        return [content.tool_response_part(get(message, "tool_call_id"), body)]
    parts: list[dict[str, Any]] = [content.text_part(t) for t in texts(body)]
    for tool_call in get(message, "tool_calls") or ():
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
    details = get(usage, "prompt_tokens_details")
    cached = integer(get(details, "cached_tokens")) if details is not None else None
    call.set_usage(integer(get(usage, "prompt_tokens")), integer(get(usage, "completion_tokens")), cached)


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
