"""One LLM call: its span, from the SDK method being called to the response (or the stream's end).

SDK-neutral: what to read from the request and the response comes from a ``Handler`` of the
instrumented SDK. Never raises into the app: every piece of our own work is caught and logged.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.trace import SpanKind, Status, StatusCode

from otel_llm import attributes as attrs
from otel_llm.context import call_tracer
from otel_llm.hashing import recent_text_hash
from otel_llm.instrumentation.common import content, record
from otel_llm.instrumentation.common.telemetry import TOKEN_TYPE, Telemetry
from otel_llm.processor import in_our_call, mark_our_call

logger = logging.getLogger(__name__)


class Accumulator(Protocol):
    def add(self, chunk: Any) -> None: ...
    def finish(self, call: LLMCall) -> None: ...


class Handler(Protocol):
    """What one SDK method's calls look like (request attributes, content, response, stream chunks)."""

    api: str
    provider: str
    operation: str

    def record_params(self, kwargs: dict[str, Any]) -> dict[str, Any]: ...
    def request_attributes(self, kwargs: dict[str, Any]) -> dict[str, Any]: ...
    def system_text(self, kwargs: dict[str, Any]) -> str | None: ...
    def request_content(self, kwargs: dict[str, Any]) -> dict[str, Any]: ...
    def response(self, call: LLMCall, response: Any) -> None: ...
    def accumulator(self, call: LLMCall) -> Accumulator: ...


class LLMCall:
    """A call in flight. Response attributes are collected in ``pending`` and set on the span when it
    ends, so a streamed call touches the span once, not per chunk."""

    __slots__ = (
        "span",
        "context",
        "telemetry",
        "handler",
        "capture",
        "start",
        "ended",
        "first_chunk_ns",
        "usage",
        "response_model",
        "request_model",
        "pending",
        "budget",
        "provider",
    )

    def __init__(
        self,
        span,
        context,
        telemetry: Telemetry,
        handler: Handler,
        capture: bool,
        model,
        budget: int,
        provider: str | None = None,
    ) -> None:
        self.span = span
        self.context = context
        self.telemetry = telemetry
        self.handler = handler
        self.capture = capture
        self.start = time.perf_counter()
        self.ended = False
        self.first_chunk_ns: int | None = None
        self.usage: tuple[int | None, int | None] = (None, None)
        self.response_model: str | None = None
        self.request_model = model
        self.pending: dict[str, Any] = {}
        self.budget = budget
        self.provider = provider or handler.provider

    def set_usage(
        self,
        input_tokens: int | None,
        output_tokens: int | None,
        cache_read: int | None = None,
        cache_write: int | None = None,
        reasoning: int | None = None,
    ) -> None:
        """Token counts; ``output_tokens`` includes the ``reasoning`` (thinking) tokens."""
        pending = self.pending
        if input_tokens is not None:
            pending[attrs.GEN_AI_USAGE_INPUT_TOKENS] = input_tokens
        if output_tokens is not None:
            pending[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] = output_tokens
        if cache_read is not None:
            pending[attrs.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = cache_read
        if cache_write is not None:
            pending[attrs.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = cache_write
        if reasoning is not None:
            pending[attrs.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = reasoning
        self.usage = (input_tokens, output_tokens)

    def set_response(self, response_id: Any, model: Any, finish_reasons: list | None) -> None:
        pending = self.pending
        if response_id:
            pending[attrs.GEN_AI_RESPONSE_ID] = response_id
        if model:
            pending[attrs.GEN_AI_RESPONSE_MODEL] = model
            self.response_model = model
        if finish_reasons:
            pending[attrs.GEN_AI_RESPONSE_FINISH_REASONS] = [str(r) for r in finish_reasons]

    def set_output(self, messages: list[dict[str, Any]]) -> None:
        """The output messages (semconv structure), within what is left of the content budget."""
        self.budget = content.add_content(self.pending, {attrs.GEN_AI_OUTPUT_MESSAGES: messages}, self.budget)

    def chunk_arrived(self) -> None:
        if self.first_chunk_ns is None:
            self.first_chunk_ns = time.perf_counter_ns()
            elapsed_ms = (time.perf_counter() - self.start) * 1000
            self.pending[attrs.TIME_TO_FIRST_CHUNK_MS] = round(elapsed_ms, 3)

    def respond(self, response: Any) -> None:
        """Record a complete (non-streamed) response and end the span."""
        try:
            self.handler.response(self, response)
        except Exception:
            logger.debug("otel-llm: reading the response failed", exc_info=True)
        self.finish()

    def finish(self, error: BaseException | None = None) -> None:
        """End the span (once) and record the metrics."""
        if self.ended:
            return
        self.ended = True
        try:
            error_type = None
            if error is not None:
                error_type = error_type_of(error)
                self.pending[attrs.ERROR_TYPE] = error_type
                self.span.set_status(Status(StatusCode.ERROR, str(error)[:500]))
            span = self.span
            span.set_attributes(self.pending)  # one lock and one cleaning pass for all of them
            span.end()
            self._record_metrics(error_type)
        except Exception:
            logger.debug("otel-llm: ending the span failed", exc_info=True)

    def _record_metrics(self, error_type: str | None) -> None:
        handler = self.handler
        key = (handler.operation, self.provider, self.request_model, self.response_model, error_type)
        sets = _METRIC_ATTRIBUTES.get(key)
        if sets is None:
            sets = _metric_attribute_sets(key)
        duration, input_set, output_set = sets
        telemetry = self.telemetry
        telemetry.duration.record(time.perf_counter() - self.start, duration)
        input_tokens, output_tokens = self.usage
        if input_tokens is not None:
            telemetry.tokens.record(input_tokens, input_set)
        if output_tokens is not None:
            telemetry.tokens.record(output_tokens, output_set)


_METRIC_ATTRIBUTES: dict[tuple, tuple[dict, dict, dict]] = {}
"""(operation, provider, request model, response model, error type) → the attribute sets of the
duration, input-token and output-token measurements: built once, not three dicts per call."""
_MAX_METRIC_ATTRIBUTE_SETS = 1024


def _metric_attribute_sets(key: tuple) -> tuple[dict, dict, dict]:
    operation, provider, request_model, response_model, error_type = key
    base: dict[str, Any] = {attrs.GEN_AI_OPERATION_NAME: operation, attrs.GEN_AI_PROVIDER_NAME: provider}
    if request_model:
        base[attrs.GEN_AI_REQUEST_MODEL] = request_model
    if response_model:
        base[attrs.GEN_AI_RESPONSE_MODEL] = response_model
    if error_type:
        base[attrs.ERROR_TYPE] = error_type
    sets = (base, {**base, TOKEN_TYPE: "input"}, {**base, TOKEN_TYPE: "output"})
    if len(_METRIC_ATTRIBUTES) >= _MAX_METRIC_ATTRIBUTE_SETS:  # e.g. unbounded error texts: start over
        _METRIC_ATTRIBUTES.clear()
    _METRIC_ATTRIBUTES[key] = sets
    return sets


def error_type_of(error: BaseException) -> str:
    """HTTP status for provider status errors, else the exception's class name. (google-genai's
    errors carry the HTTP status as ``code``.)"""
    status = getattr(error, "status_code", None)
    if status is None and not isinstance(error, SystemExit):
        code = getattr(error, "code", None)
        status = code if isinstance(code, int) and 400 <= code <= 599 else None
    return str(status) if isinstance(status, int) else type(error).__qualname__


def start_call(
    telemetry: Telemetry, handler: Handler, kwargs: dict[str, Any], stream: bool, instance: Any = None
) -> LLMCall | None:
    """Start the span of a call (not yet current). ``None`` when we must stay out of the way.

    A handler with ``provider_of(instance)`` names the provider from the SDK object called (the
    OpenAI SDK reaches many providers through a ``base_url``); others always are ``handler.provider``.

    ``kwargs`` may be changed in place: iterator arguments become lists (the SDK then gets those).
    """
    parent = otel_context.get_current()
    if in_our_call(parent) or not is_instrumentation_enabled():
        return None  # an SDK helper calling another instrumented method: the outer call has the span
    try:
        record.materialise(kwargs)
        capture = content.capture_enabled()
        attributes = handler.request_attributes(kwargs)
        provider = None
        provider_of = getattr(handler, "provider_of", None)
        if provider_of is not None:
            provider = attributes[attrs.GEN_AI_PROVIDER_NAME] = provider_of(instance)
        attributes[attrs.REQUEST] = record.build(handler.api, handler.record_params(kwargs), capture, stream)
        system = handler.system_text(kwargs)
        if system is not None:
            attributes[attrs.SYSTEM_PROMPT_HASH] = recent_text_hash(system)
        budget = 0
        if capture:
            budget = content.add_content(
                attributes, handler.request_content(kwargs), content.content_budget()
            )
        model = attributes.get(attrs.GEN_AI_REQUEST_MODEL)
        name = f"{handler.operation} {model}" if model else handler.operation
        tracer = call_tracer(attrs.OUR_SCOPE, parent, telemetry.tracer)  # a server call: its own provider
        span = tracer.start_span(name, parent, SpanKind.CLIENT, attributes)
        ctx = mark_our_call(trace.set_span_in_context(span, parent))
        return LLMCall(span, ctx, telemetry, handler, capture, model, budget, provider)
    except Exception:
        logger.debug("otel-llm: starting the LLM span failed", exc_info=True)
        return None
