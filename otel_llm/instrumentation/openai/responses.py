"""OpenAI Responses API (``responses.create`` / ``responses.stream`` / ``responses.parse``)."""

from __future__ import annotations

from typing import Any

from otel_llm import attributes as attrs
from otel_llm.instrumentation.common import content
from otel_llm.instrumentation.common.call import LLMCall
from otel_llm.instrumentation.common.fields import get, integer, set_number, texts
from otel_llm.providers.openai import endpoints

_SYSTEM_ROLES = ("system", "developer")
_TERMINAL_EVENTS = ("response.completed", "response.incomplete", "response.failed")


class ResponsesHandler:
    api = "openai.responses"
    provider = "openai"
    operation = "chat"

    def provider_of(self, resource: Any) -> str:
        return endpoints.provider_of_client(getattr(resource, "_client", None))

    def record_params(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return kwargs

    def request_attributes(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        a: dict[str, Any] = {attrs.GEN_AI_OPERATION_NAME: "chat", attrs.GEN_AI_PROVIDER_NAME: "openai"}
        model = kwargs.get("model")
        if isinstance(model, str):
            a[attrs.GEN_AI_REQUEST_MODEL] = model
        set_number(a, attrs.GEN_AI_REQUEST_TEMPERATURE, kwargs.get("temperature"))
        set_number(a, attrs.GEN_AI_REQUEST_TOP_P, kwargs.get("top_p"))
        max_tokens = integer(kwargs.get("max_output_tokens"))
        if max_tokens is not None:
            a[attrs.GEN_AI_REQUEST_MAX_TOKENS] = max_tokens
        return a

    def system_text(self, kwargs: dict[str, Any]) -> str | None:
        found = []
        instructions = kwargs.get("instructions")
        if isinstance(instructions, str):
            found.append(instructions)
        items = kwargs.get("input")
        if isinstance(items, list | tuple):
            for item in items:
                if get(item, "role") in _SYSTEM_ROLES:
                    found.extend(texts(get(item, "content")))
        return "\n".join(found) if found else None

    def request_content(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        system = []
        if isinstance(kwargs.get("instructions"), str):
            system.append(content.text_part(kwargs["instructions"]))
        items = kwargs.get("input")
        messages = []
        if isinstance(items, str):
            messages.append({"role": "user", "parts": [content.text_part(items)]})
        elif isinstance(items, list | tuple):
            # System/developer items are part of the input history: gen_ai.input.messages.
            messages.extend(_input_message(item) for item in items)
        values: dict[str, Any] = {attrs.GEN_AI_INPUT_MESSAGES: messages}
        if system:
            values[attrs.GEN_AI_SYSTEM_INSTRUCTIONS] = system
        tools = kwargs.get("tools")
        if isinstance(tools, list | tuple) and tools:
            values[attrs.GEN_AI_TOOL_DEFINITIONS] = list(tools)
        return values

    def response(self, call: LLMCall, response: Any) -> None:
        output = get(response, "output") or ()
        call.set_response(get(response, "id"), get(response, "model"), [_finish_reason(response, output)])
        usage = get(response, "usage")
        if usage is not None:
            details = get(usage, "input_tokens_details")
            cached = integer(get(details, "cached_tokens")) if details is not None else None
            call.set_usage(integer(get(usage, "input_tokens")), integer(get(usage, "output_tokens")), cached)
        if call.capture:
            message = {"role": "assistant", "parts": _output_parts(output)}
            message["finish_reason"] = _finish_reason(response, output)
            call.set_output([message])

    def accumulator(self, call: LLMCall) -> ResponsesAccumulator:
        return ResponsesAccumulator(self)


def _input_message(item: Any) -> dict[str, Any]:
    kind = get(item, "type")
    if kind == "function_call_output":
        return {
            "role": "tool",
            "parts": [content.tool_response_part(get(item, "call_id"), get(item, "output"))],
        }
    if kind == "function_call":
        part = content.tool_call_part(get(item, "call_id"), get(item, "name"), get(item, "arguments"))
        return {"role": "assistant", "parts": [part]}
    parts = [content.text_part(t) for t in texts(get(item, "content"))]
    return {"role": get(item, "role") or "user", "parts": parts}


def _output_parts(output: Any) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for item in output:
        kind = get(item, "type")
        if kind == "message":
            parts.extend(content.text_part(t) for t in texts(get(item, "content")))
        elif kind == "function_call":
            parts.append(
                content.tool_call_part(get(item, "call_id"), get(item, "name"), get(item, "arguments"))
            )
    return parts


def _finish_reason(response: Any, output: Any) -> str:
    if any(get(item, "type") == "function_call" for item in output):
        return "tool_call"
    status = get(response, "status")
    if status == "incomplete":
        details = get(response, "incomplete_details")
        return str(get(details, "reason") or "incomplete")
    return "stop" if status in (None, "completed") else str(status)


class ResponsesAccumulator:
    """The stream's terminal event carries the whole response: nothing is rebuilt per chunk."""

    __slots__ = ("handler", "started", "final")

    def __init__(self, handler: ResponsesHandler) -> None:
        self.handler = handler
        self.started = self.final = None

    def add(self, event: Any) -> None:
        kind = event.type
        if kind in _TERMINAL_EVENTS:
            self.final = event.response
        elif kind == "response.created":
            self.started = event.response

    def finish(self, call: LLMCall) -> None:
        if self.final is not None:
            self.handler.response(call, self.final)
        elif self.started is not None:
            call.set_response(get(self.started, "id"), get(self.started, "model"), None)
