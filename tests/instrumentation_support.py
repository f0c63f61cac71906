"""Fixtures for the instrumentation tests: a private tracer provider with our processor, an
in-memory exporter and metric reader, and real SDK clients pointed at the local provider."""

from __future__ import annotations

import json

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import otel_llm
from otel_llm import attributes as attrs
from otel_llm.instrumentation import set_redactor
from otel_llm.instrumentation.common import content
from otel_llm.processor import LLMSpanProcessor


class Traced:
    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(LLMSpanProcessor())
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.metrics = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.metrics])

    def spans(self):
        return list(self.exporter.get_finished_spans())

    def llm_spans(self):
        """Finished spans that would be stored as LLM spans (duplicates excluded)."""
        return [
            s
            for s in self.spans()
            if s.attributes.get(attrs.GEN_AI_OPERATION_NAME) and not s.attributes.get(attrs.DUPLICATE)
        ]

    def one(self):
        spans = self.llm_spans()
        assert len(spans) == 1, [s.name for s in spans]
        return spans[0]


def instrument_ours(traced: Traced, capture: bool = True) -> None:
    from otel_llm.instrumentation import available_instrumentors

    content.set_capture(capture)
    for instrumentor in available_instrumentors():
        instrumentor.instrument(tracer_provider=traced.provider, meter_provider=traced.meter_provider)


@pytest.fixture
def traced():
    """Our instrumentation active on a private tracer provider (content capture on)."""
    t = Traced()
    instrument_ours(t)
    yield t
    otel_llm.uninstrument()
    from otel_llm.instrumentation import available_instrumentors

    for instrumentor in available_instrumentors():
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
    content.set_capture(None)
    set_redactor(None)


def record_of(span) -> dict:
    return json.loads(span.attributes[attrs.REQUEST])


def content_of(span, name: str):
    raw = span.attributes.get(name)
    return None if raw is None else json.loads(raw)


SYSTEM = "You are a terse support agent."
MESSAGES = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "How long do refunds take?"}]
