"""``record``: the spans of one server call, captured in their own tracer provider.

The process has one private ``TracerProvider`` for server calls. ``record`` starts a fresh context
(no parent span, no app tags or baggage) that routes our instrumentation's spans to it
(``otel_llm.context.route_spans``) and carries the call's ``Recording``; ``_Capture`` hands each
span started there to the recording of the context it started in. The app-wide pipeline never sees
these spans (its exporter cannot store them in its own project), and spans of app code in the same
process, started outside a ``record`` block, never reach a recording.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.instrumentation.utils import suppress_http_instrumentation
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from sqlalchemy import Connection, Engine

from otel_llm.context import route_spans
from otel_llm.context import tags as context_tags
from otel_llm.pricing.custom import table_for as project_pricing
from otel_llm.processor import LLMSpanProcessor, is_llm_span
from otel_llm.server_calls.instrumenting import instrumented
from otel_llm.storage import dedup, writer
from otel_llm.storage.normalize import from_readable, to_row

logger = logging.getLogger(__name__)

SERVICE_NAME = "otel-llm"

_RECORDING_KEY = otel_context.create_key("otel_llm.server_call")
_lock = threading.Lock()
_provider: dict[str, TracerProvider] = {}


@dataclass
class Recording:
    """The spans of one server call, for project ``project_id``; ``attributes`` go on its LLM spans."""

    project_id: int
    attributes: Mapping[str, Any] = field(default_factory=dict)
    spans: list[ReadableSpan] = field(default_factory=list)

    def rows(self, bind: Engine | Connection) -> list[dict[str, Any]]:
        """The ``spans`` rows to store, in the order the spans ended, costed with the project's prices."""
        pricing = project_pricing(bind, self.project_id)
        records, _ = dedup.resolve([from_readable(span) for span in list(self.spans)], self.project_id)
        return [to_row(record, self.project_id, pricing) for record in records]

    def write(self, connection: Connection) -> list[dict[str, Any]]:
        """Store the spans in the caller's transaction; the rows written."""
        rows = self.rows(connection)
        writer.insert_rows(connection, rows)
        return rows


class _Capture(SpanProcessor):
    """Tags the spans of a recording as the app pipeline would, and hands them to it when they end."""

    def __init__(self) -> None:
        self._tagger = LLMSpanProcessor()
        self._open: dict[int, Recording] = {}
        self._lock = threading.Lock()

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        try:
            recording = otel_context.get_value(_RECORDING_KEY, parent_context)
            if not isinstance(recording, Recording):
                return  # a span routed here outside ``record``: nobody asked for it
            if recording.attributes and is_llm_span(span):
                span.set_attributes(recording.attributes)
            self._tagger.on_start(span, parent_context)
            with self._lock:
                self._open[span.get_span_context().span_id] = recording
        except Exception:  # pragma: no cover - defensive: a span processor never raises
            logger.debug("otel-llm: recording a server-call span failed", exc_info=True)

    def on_end(self, span: ReadableSpan) -> None:
        context = span.get_span_context()
        with self._lock:
            recording = self._open.pop(context.span_id, None) if context is not None else None
        if recording is not None:
            recording.spans.append(span)

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def tracer_provider() -> TracerProvider:
    """The process's tracer provider for server calls (made once; never the global one)."""
    with _lock:
        provider = _provider.get("provider")
        if provider is None:
            provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
            provider.add_span_processor(_Capture())
            _provider["provider"] = provider
        return provider


@contextmanager
def record(
    project_id: int, *, tags: Mapping[str, Any] | None = None, attributes: Mapping[str, Any] | None = None
) -> Iterator[Recording]:
    """Capture the spans of the calls the block makes, for ``project_id``.

    ``tags`` are ``otel_llm.tags`` fields (prompt, experiment, variant); ``attributes`` are set on
    every LLM span of the call (e.g. what a replay replays). HTTP instrumentations of the host
    process are suppressed inside, so no fragment of the call reaches the app's pipeline either.
    """
    recording = Recording(project_id, dict(attributes or {}))
    ctx = otel_context.set_value(_RECORDING_KEY, recording, otel_context.Context())
    token = otel_context.attach(route_spans(tracer_provider(), ctx))
    try:
        with instrumented(), suppress_http_instrumentation(), _tagged(tags):
            yield recording
    finally:
        otel_context.detach(token)


@contextmanager
def _tagged(fields: Mapping[str, Any] | None) -> Iterator[None]:
    if not fields:
        yield
        return
    with context_tags(**fields):
        yield
