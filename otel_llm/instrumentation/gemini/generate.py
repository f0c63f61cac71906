"""google-genai ``models.generate_content`` / ``generate_content_stream``: request attributes, content,
response and stream accumulation.

Token arithmetic per the GenAI conventions: Gemini's ``prompt_token_count`` already includes the
cached tokens (``cached_content_token_count``, recorded as cache reads); its
``candidates_token_count`` excludes the thinking tokens, so the recorded output total is
``candidates + thoughts``, with the thoughts also in ``gen_ai.usage.reasoning.output_tokens``.
"""

from __future__ import annotations

from typing import Any

from otel_llm import attributes as attrs
from otel_llm.instrumentation.common import content, record
from otel_llm.instrumentation.common.call import LLMCall
from otel_llm.instrumentation.common.fields import get, integer, set_number, string_list
from otel_llm.instrumentation.gemini.parts import (
    ApiOption,
    input_messages,
    instruction_texts,
    model_name,
    option,
    part,
    tool_records,
)

API = "google.genai.models.generate_content"
"""The request record's ``api``: ``client.models.generate_content(**params)`` (``_stream`` when the
record's ``stream`` is set)."""
OPERATION = "generate_content"

_NUMBERS = (
    ("temperature", attrs.GEN_AI_REQUEST_TEMPERATURE),
    ("top_p", attrs.GEN_AI_REQUEST_TOP_P),
    ("top_k", attrs.GEN_AI_REQUEST_TOP_K),
    ("presence_penalty", attrs.GEN_AI_REQUEST_PRESENCE_PENALTY),
    ("frequency_penalty", attrs.GEN_AI_REQUEST_FREQUENCY_PENALTY),
)
_INTEGERS = (
    ("max_output_tokens", attrs.GEN_AI_REQUEST_MAX_TOKENS),
    ("seed", attrs.GEN_AI_REQUEST_SEED),
)
SDK_ONLY = frozenset(
    {
        "http_options",
        "httpOptions",
        "should_return_http_response",
        "shouldReturnHttpResponse",
        "automatic_function_calling",
        "automaticFunctionCalling",
    }
)
"""Config fields that steer the SDK, not the request: never recorded (``http_options`` carries
headers, hence possibly credentials)."""


class GenerateContentHandler:
    api = API
    operation = OPERATION

    def __init__(self, provider: str, api_option: ApiOption) -> None:
        self.provider = provider  # gcp.gemini or gcp.vertex_ai
        self.api_option = api_option  # how the SDK declares a Python function for that backend

    def record_params(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        params = {name: sdk_json(value) for name, value in kwargs.items() if name != "config"}
        config = kwargs.get("config")
        if config is not None:
            params["config"] = sdk_json(config_record(config, self.api_option))
        return params

    def request_attributes(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        a: dict[str, Any] = {
            attrs.GEN_AI_OPERATION_NAME: OPERATION,
            attrs.GEN_AI_PROVIDER_NAME: self.provider,
        }
        model = model_name(kwargs.get("model"))
        if model:
            a[attrs.GEN_AI_REQUEST_MODEL] = model
        config = kwargs.get("config")
        if config is None:
            return a
        for name, attribute in _NUMBERS:
            set_number(a, attribute, option(config, name))
        for name, attribute in _INTEGERS:
            value = integer(option(config, name))
            if value is not None:
                a[attribute] = value
        count = integer(option(config, "candidate_count"))
        if count is not None and count != 1:
            a[attrs.GEN_AI_REQUEST_CHOICE_COUNT] = count
        stop = string_list(option(config, "stop_sequences"))
        if stop:
            a[attrs.GEN_AI_REQUEST_STOP_SEQUENCES] = stop
        return a

    def system_text(self, kwargs: dict[str, Any]) -> str | None:
        found = instruction_texts(option(kwargs.get("config"), "system_instruction"))
        return "\n".join(found) if found else None

    def request_content(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {attrs.GEN_AI_INPUT_MESSAGES: input_messages(kwargs.get("contents"))}
        config = kwargs.get("config")
        system = instruction_texts(option(config, "system_instruction"))
        if system:
            values[attrs.GEN_AI_SYSTEM_INSTRUCTIONS] = [content.text_part(t) for t in system]
        tools = option(config, "tools")
        if isinstance(tools, list | tuple) and tools:
            values[attrs.GEN_AI_TOOL_DEFINITIONS] = record.jsonable(tool_records(tools, self.api_option))
        return values

    def response(self, call: LLMCall, response: Any) -> None:
        candidates = get(response, "candidates") or ()
        reasons = [finish_reason(get(c, "finish_reason")) for c in candidates]
        call.set_response(get(response, "response_id"), get(response, "model_version"), _known(reasons))
        set_usage(call, get(response, "usage_metadata"))
        if call.capture:
            call.set_output(
                [
                    output_message(get(get(c, "content"), "parts"), reason)
                    for c, reason in zip(candidates, reasons, strict=True)
                ]
            )

    def accumulator(self, call: LLMCall) -> StreamAccumulator:
        return StreamAccumulator(call.capture)


def config_record(config: Any, api_option: ApiOption) -> dict[str, Any]:
    """The fields of ``config`` the app set, without the SDK-only ones, tools made JSON-able."""
    if isinstance(config, dict):
        fields = dict(config)
    else:
        fields = {name: getattr(config, name) for name in getattr(config, "model_fields_set", ())}
    fields = {k: v for k, v in fields.items() if k not in SDK_ONLY and v is not None}
    if fields.get("tools"):
        fields["tools"] = tool_records(fields["tools"], api_option)
    return fields


def sdk_json(value: Any) -> Any:
    """SDK objects as the JSON the SDK's own types dump: every field that holds a value, defaults
    included (a ``UserContent``'s role), unset ones left out."""
    if isinstance(value, list | tuple):
        return [sdk_json(v) for v in value]
    if isinstance(value, dict):
        return {k: sdk_json(v) for k, v in value.items()}
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json", exclude_none=True)
    return value


def finish_reason(value: Any) -> str | None:
    """``FinishReason.STOP`` (or ``"STOP"``) as ``stop``."""
    if value is None:
        return None
    return str(getattr(value, "value", value)).lower()


def _known(reasons: list[str | None]) -> list[str] | None:
    found = [r for r in reasons if r]
    return found or None


def output_message(parts: Any, reason: str | None) -> dict[str, Any]:
    return {"role": "assistant", "parts": merged([part(p) for p in parts or ()]), "finish_reason": reason}


def merged(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive text (or reasoning) parts joined: a stream sends a text in many pieces."""
    out: list[dict[str, Any]] = []
    for p in parts:
        kind = p.get("type")
        if out and kind in ("text", "reasoning") and out[-1].get("type") == kind:
            out[-1] = {"type": kind, "content": (out[-1]["content"] or "") + (p["content"] or "")}
        else:
            out.append(p)
    return out


def set_usage(call: LLMCall, usage: Any) -> None:
    if usage is None:
        return
    candidates = integer(get(usage, "candidates_token_count"))
    thoughts = integer(get(usage, "thoughts_token_count"))
    output = None if candidates is None and thoughts is None else (candidates or 0) + (thoughts or 0)
    cached = integer(get(usage, "cached_content_token_count"))
    call.set_usage(integer(get(usage, "prompt_token_count")), output, cached, reasoning=thoughts)


class StreamAccumulator:
    """Collects a streamed response: parts kept per candidate, text joined once at the end; the
    usage of the last chunk that reports one (the final chunk has the totals)."""

    __slots__ = ("capture", "response_id", "model", "usage", "reasons", "parts")

    def __init__(self, capture: bool) -> None:
        self.capture = capture
        self.response_id = self.model = self.usage = None
        self.reasons: dict[int, str | None] = {}
        self.parts: dict[int, list[Any]] = {}

    def add(self, chunk: Any) -> None:
        self.response_id = chunk.response_id or self.response_id
        self.model = chunk.model_version or self.model
        if chunk.usage_metadata is not None:
            self.usage = chunk.usage_metadata
        for candidate in chunk.candidates or ():
            index = candidate.index or 0
            if candidate.finish_reason is not None:
                self.reasons[index] = finish_reason(candidate.finish_reason)
            else:
                self.reasons.setdefault(index, None)
            if self.capture and candidate.content is not None and candidate.content.parts:
                self.parts.setdefault(index, []).extend(candidate.content.parts)

    def finish(self, call: LLMCall) -> None:
        indexes = sorted(self.reasons)
        call.set_response(self.response_id, self.model, _known([self.reasons[i] for i in indexes]))
        set_usage(call, self.usage)
        if self.capture:
            call.set_output([output_message(self.parts.get(i), self.reasons[i]) for i in indexes])
