"""OpenAI legacy Completions (``completions.create``, plain or streamed): prompts in, texts out."""

from __future__ import annotations

from typing import Any

from otel_llm import attributes as attrs
from otel_llm.instrumentation.common import content
from otel_llm.instrumentation.common.call import LLMCall
from otel_llm.instrumentation.common.fields import get
from otel_llm.instrumentation.openai.chat import ChatHandler, set_chat_usage
from otel_llm.providers.openai import endpoints

_CHAT = ChatHandler()


class CompletionsHandler:
    """Request parameters read as Chat Completions' (model, temperature, max_tokens, stop...)."""

    api = "openai.completions"
    provider = "openai"
    operation = "text_completion"

    def provider_of(self, resource: Any) -> str:
        return endpoints.provider_of_client(getattr(resource, "_client", None))

    def record_params(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return kwargs

    def request_attributes(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        a = _CHAT.request_attributes(kwargs)
        a[attrs.GEN_AI_OPERATION_NAME] = "text_completion"
        return a

    def system_text(self, kwargs: dict[str, Any]) -> str | None:
        return None

    def request_content(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        prompt = kwargs.get("prompt")
        prompts = [prompt] if isinstance(prompt, str) else prompt if isinstance(prompt, list | tuple) else ()
        parts = [content.text_part(p) for p in prompts if isinstance(p, str)]
        return {attrs.GEN_AI_INPUT_MESSAGES: [{"role": "user", "parts": parts}]}

    def response(self, call: LLMCall, completion: Any) -> None:
        choices = get(completion, "choices") or ()
        reasons = [get(c, "finish_reason") for c in choices]
        call.set_response(get(completion, "id"), get(completion, "model"), reasons)
        set_chat_usage(call, get(completion, "usage"))
        if call.capture:
            call.set_output([_message(get(c, "text"), r) for c, r in zip(choices, reasons, strict=True)])

    def accumulator(self, call: LLMCall) -> CompletionsAccumulator:
        return CompletionsAccumulator(call.capture)


def _message(text: Any, finish_reason: Any) -> dict[str, Any]:
    parts = [content.text_part(text)] if isinstance(text, str) else []
    return {"role": "assistant", "parts": parts, "finish_reason": finish_reason}


class CompletionsAccumulator:
    """Collects a streamed completion: each choice's text pieces, joined once at the end."""

    __slots__ = ("capture", "response_id", "model", "usage", "texts", "reasons")

    def __init__(self, capture: bool) -> None:
        self.capture = capture
        self.response_id = self.model = self.usage = None
        self.texts: dict[int, list[str]] = {}
        self.reasons: dict[int, str] = {}

    def add(self, chunk: Any) -> None:
        if self.response_id is None:
            self.response_id, self.model = chunk.id, chunk.model
        if chunk.usage is not None:
            self.usage = chunk.usage
        for choice in chunk.choices:
            if choice.finish_reason:
                self.reasons[choice.index] = choice.finish_reason
            if self.capture and choice.text:
                self.texts.setdefault(choice.index, []).append(choice.text)

    def finish(self, call: LLMCall) -> None:
        indexes = sorted(set(self.reasons) | set(self.texts))
        call.set_response(self.response_id, self.model, [self.reasons.get(i) for i in indexes])
        set_chat_usage(call, self.usage)
        if self.capture:
            call.set_output([_message("".join(self.texts.get(i, ())), self.reasons.get(i)) for i in indexes])
