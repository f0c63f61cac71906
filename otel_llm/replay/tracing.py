"""Tracing of replay calls: the replay's LLM span is captured and stored by the replay itself.

The call goes through the instrumented SDK like any app call, so the replay span is made by the same
code as the original. ``capture()`` puts a sink in the OpenTelemetry context; ``ReplayCapture``
(a span processor added once to the global SDK provider) tags LLM spans started inside it with
``otel_llm.replay_of`` and the overrides, copies the prompt tags (as ``LLMSpanProcessor`` does), and
hands the ended span to the sink. The replay then writes that span and its ``replays`` row in one
transaction, into the project it was asked for — whatever exporter the process may also have.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider

from otel_llm import attributes as attrs
from otel_llm.processor import LLMSpanProcessor, is_llm_span
from otel_llm.replay.errors import ReplayError

logger = logging.getLogger(__name__)

_SINK_KEY = otel_context.create_key("otel_llm.replay.sink")
_lock = threading.Lock()
_installed: dict[str, object] = {}
_state: dict = {"active": 0, "ours": []}


@dataclass
class Sink:
    """Where the spans of one replay call end up."""

    replay_of: str
    overrides: dict
    spans: list[ReadableSpan] = field(default_factory=list)


class ReplayCapture(SpanProcessor):
    """Tags and collects the LLM spans started inside ``capture()``; ignores every other span."""

    def __init__(self) -> None:
        self._tagger = LLMSpanProcessor()
        self._open: dict[int, Sink] = {}
        self._lock = threading.Lock()

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        try:
            sink = otel_context.get_value(_SINK_KEY, parent_context)
            if not isinstance(sink, Sink) or not is_llm_span(span):
                return
            span.set_attribute(attrs.REPLAY_OF, sink.replay_of)
            span.set_attribute(attrs.REPLAY_OVERRIDES, json.dumps(sink.overrides, sort_keys=True))
            self._tagger.on_start(span, parent_context)
            with self._lock:
                self._open[span.get_span_context().span_id] = sink
        except Exception:  # pragma: no cover - defensive: a span processor never raises
            logger.debug("otel-llm: tagging a replay span failed", exc_info=True)

    def on_end(self, span: ReadableSpan) -> None:
        with self._lock:
            sink = self._open.pop(span.get_span_context().span_id, None)
        if sink is not None and not (span.attributes or {}).get(attrs.DUPLICATE):
            sink.spans.append(span)

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def ensure_tracing() -> TracerProvider:
    """Once per process: an SDK tracer provider carrying ``ReplayCapture``."""
    with _lock:
        provider = _sdk_provider()
        if _installed.get("provider") is not provider:
            provider.add_span_processor(ReplayCapture())
            _installed["provider"] = provider
        return provider


@contextmanager
def instrumented(provider: TracerProvider) -> Iterator[None]:
    """The SDKs instrumented for the block. Instrumentors the process had not turned on are turned
    off again when the last replay running in this process ends, so a replay leaves the host
    process as it found it."""
    from otel_llm.instrumentation import available_instrumentors

    with _lock:
        if _state["active"] == 0:
            for instrumentor in available_instrumentors():
                if not instrumentor.is_instrumented_by_opentelemetry:
                    instrumentor.instrument(tracer_provider=provider)
                    _state["ours"].append(instrumentor)
        _state["active"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["active"] -= 1
            if _state["active"] == 0:
                claimed = _claimed_by_app()
                for instrumentor in _state["ours"]:
                    if instrumentor.is_instrumented_by_opentelemetry and instrumentor not in claimed:
                        instrumentor.uninstrument()
                _state["ours"] = []


def _claimed_by_app() -> list:
    """Instrumentors the app turned on with ``otel_llm.instrument()`` meanwhile: those stay on."""
    from otel_llm import pipeline

    return list(pipeline._state.get("instrumentors") or [])


def _sdk_provider() -> TracerProvider:
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    provider = TracerProvider(resource=Resource.create({"service.name": "otel-llm-replay"}))
    trace.set_tracer_provider(provider)
    current = trace.get_tracer_provider()
    if not isinstance(current, TracerProvider):
        raise ReplayError(
            "replay needs the OpenTelemetry SDK's TracerProvider, but this process set another kind; "
            "run the replay from the otel-llm CLI or console instead."
        )
    return current


@contextmanager
def capture(replay_of: str, overrides: dict) -> Iterator[Sink]:
    """Collect the LLM spans the block starts (their ``replay_of`` is ``replay_of``)."""
    provider = ensure_tracing()
    sink = Sink(replay_of=replay_of, overrides=overrides)
    with instrumented(provider):
        token = otel_context.attach(otel_context.set_value(_SINK_KEY, sink))
        try:
            yield sink
        finally:
            otel_context.detach(token)
