"""Make real spans for storage tests: a real SDK TracerProvider with our LLMSpanProcessor and
SQLSpanExporter, spans started by hand with GenAI attributes (no SDK instrumentation needed)."""

from __future__ import annotations

import json
from contextlib import contextmanager

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode

from otel_llm import attributes as attrs
from otel_llm.exporter import SQLSpanExporter
from otel_llm.processor import LLMSpanProcessor

T0 = 1_790_000_000 * 10**9  # a fixed start, nanoseconds


@contextmanager
def span_pipeline(
    database_url: str,
    tmp_path,
    project: str = "default",
    service_name: str | None = "test-app",
    **exporter_args,
):
    """A tracer whose spans are stored synchronously (SimpleSpanProcessor) by our exporter;
    ``service_name=None`` leaves the resource as an app without OTEL_SERVICE_NAME has it."""
    exporter = SQLSpanExporter(
        database_url=database_url, project=project, spool_dir=str(tmp_path / "spool"), **exporter_args
    )
    resource = Resource.create({"service.name": service_name} if service_name else {})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(LLMSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    try:
        yield provider.get_tracer("otel_llm.tests"), exporter
    finally:
        provider.shutdown()


def llm_attributes(
    model: str = "gpt-4o-mini",
    provider: str = "openai",
    input_tokens: int = 100,
    output_tokens: int = 20,
    system: str | None = "You are terse.",
    user: str = "hello",
    answer: str = "hi",
    **extra,
) -> dict:
    a = {
        attrs.GEN_AI_OPERATION_NAME: "chat",
        attrs.GEN_AI_PROVIDER_NAME: provider,
        attrs.GEN_AI_REQUEST_MODEL: model,
        attrs.GEN_AI_RESPONSE_MODEL: model,
        attrs.GEN_AI_USAGE_INPUT_TOKENS: input_tokens,
        attrs.GEN_AI_USAGE_OUTPUT_TOKENS: output_tokens,
        attrs.GEN_AI_INPUT_MESSAGES: json.dumps(
            [{"role": "user", "parts": [{"type": "text", "content": user}]}]
        ),
        attrs.GEN_AI_OUTPUT_MESSAGES: json.dumps(
            [{"role": "assistant", "parts": [{"type": "text", "content": answer}], "finish_reason": "stop"}]
        ),
    }
    if system is not None:
        a[attrs.GEN_AI_SYSTEM_INSTRUCTIONS] = json.dumps([{"type": "text", "content": system}])
    a.update(extra)
    return a


def emit(
    tracer, name="chat gpt-4o-mini", start_ns=T0, duration_ms=100.0, error=False, parent=None, **attributes
):
    """Start and end one span with ``attributes``; returns its hex (trace_id, span_id)."""
    from opentelemetry import trace

    context = trace.set_span_in_context(parent) if parent is not None else None
    span = tracer.start_span(name, context=context, start_time=start_ns, attributes=attributes)
    if error:
        span.set_status(Status(StatusCode.ERROR, "boom"))
    span.end(end_time=start_ns + int(duration_ms * 1e6))
    ctx = span.get_span_context()
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")
