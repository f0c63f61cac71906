"""``LLMSpanProcessor``: tags LLM spans with the prompt version and experiment variant in use, and
every span with the conversation and end user of the ``otel_llm.session`` block it starts in."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from otel_llm import attributes as attrs
from otel_llm.context import current_session, current_tags
from otel_llm.storage.dedup import provider_of, same_call

logger = logging.getLogger(__name__)

_IN_OUR_CALL_KEY = otel_context.create_key("otel_llm.in_llm_call")


def is_llm_span(span: ReadableSpan) -> bool:
    return _has_llm_attributes(span.attributes or {})


def _has_llm_attributes(attributes: Mapping[str, Any]) -> bool:
    return (
        attrs.GEN_AI_OPERATION_NAME in attributes
        or attrs.GEN_AI_PROVIDER_NAME in attributes
        or attrs.GEN_AI_SYSTEM in attributes
        or "llm.model_name" in attributes  # OpenInference
        or attributes.get(attrs.OPENINFERENCE_SPAN_KIND) == "LLM"
    )


LATE_LLM_SPANS: frozenset[tuple[str, str]] = frozenset(
    {("opentelemetry.instrumentation.openai.v1", "openai.response")}
)
"""(scope, span name) of other instrumentations' LLM spans started only once the call has returned,
back-dated and without attributes (OpenLLMetry's Responses spans): known as LLM spans by name."""
_RECENT_CALLS = 1024  # start times of our LLM spans remembered, to recognise such a span of the same call


def _late_llm_span(span: Span) -> bool:
    scope = span.instrumentation_scope
    return scope is not None and (scope.name, span.name) in LATE_LLM_SPANS


def mark_our_call(ctx: otel_context.Context) -> otel_context.Context:
    """Context inside one of our LLM spans: an SDK-native span started there is a duplicate of ours."""
    return otel_context.set_value(_IN_OUR_CALL_KEY, True, ctx)


def in_our_call(ctx: otel_context.Context | None = None) -> bool:
    """Whether ``ctx`` (default: the current context) is inside one of our LLM calls."""
    return bool(otel_context.get_value(_IN_OUR_CALL_KEY, ctx))


class LLMSpanProcessor(SpanProcessor):
    """Copies the tags of the current context (``otel_llm.tags``) onto LLM spans at start, and the
    conversation and user of ``otel_llm.session`` onto every span.

    Prompt and experiment tags go on LLM spans only; an attribute set explicitly on the span wins
    over the context.
    One call is stored once (``storage.dedup`` drops the marked spans and re-parents their children):
    another instrumentation's LLM span of the same call is marked ``otel_llm.duplicate`` — an
    SDK-native Anthropic span, or another OpenAI/Anthropic instrumentor's span, started inside one of
    ours, such spans still open around one of ours (instrumentors that wrapped the SDK after us, as
    under ``opentelemetry-instrument``), and, without ours, a span of the same call started inside
    another instrumentation's (the SDK-native span inside the official Anthropic instrumentation's:
    the outer one, with the content, is kept). An instrumentation that starts its span only after the
    call returned (``LATE_LLM_SPANS``) is recognised by name: tagged, and marked when it encloses our
    call beside it. Never raises into the app.
    """

    def __init__(self) -> None:
        self._open_foreign: dict[int, Span] = {}  # other instrumentations' LLM spans not yet ended
        self._our_starts: OrderedDict[tuple[int, int], int] = OrderedDict()
        """(trace id, parent span id) → start time of our latest LLM span there."""

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        try:
            self._tag_session(span, parent_context)
            scope = span.instrumentation_scope
            if scope is not None and scope.name == attrs.OUR_SCOPE:  # all our spans are LLM calls
                if self._open_foreign:
                    self._mark_wrapping_spans(span)
                self._remember_start(span)
                tags = current_tags(parent_context)
                if tags:  # our instrumentation never sets these itself
                    span.set_attributes(tags)
                return
            self._tag_foreign(span, parent_context)
        except Exception:  # pragma: no cover - defensive: telemetry never breaks the app
            logger.debug("otel-llm: tagging a span failed", exc_info=True)

    @staticmethod
    def _tag_session(span: Span, parent_context: otel_context.Context | None) -> None:
        """Every span started in a ``session`` block carries its conversation and user ids."""
        found = current_session(parent_context)
        if found:
            attributes = span.attributes or {}
            span.set_attributes({name: value for name, value in found.items() if name not in attributes})

    def _tag_foreign(self, span: Span, parent_context: otel_context.Context | None) -> None:
        """Another instrumentation's span: tagged if it is an LLM span, marked if it duplicates ours."""
        attributes = span.attributes or {}  # a live read-only view: one for all the checks below
        late = _late_llm_span(span)
        if not (late or _has_llm_attributes(attributes)):
            return
        if otel_context.get_value(_IN_OUR_CALL_KEY, parent_context):
            # Any other instrumentation's LLM span inside one of ours (SDK-native Anthropic spans,
            # another OpenAI/Anthropic instrumentor that wrapped the SDK before us): the same call.
            span.set_attribute(attrs.DUPLICATE, True)
            return
        if self._inside_same_call(span, attributes) or (late and self._encloses_our_call(span)):
            span.set_attribute(attrs.DUPLICATE, True)
        self._open_foreign[span.context.span_id] = span
        tags = current_tags(parent_context)
        if tags:  # an attribute the other instrumentation set explicitly wins
            span.set_attributes({name: value for name, value in tags.items() if name not in attributes})

    def _inside_same_call(self, span: Span, attributes: Mapping[str, Any]) -> bool:
        """Whether ``span`` starts directly inside another instrumentation's span of the same call."""
        outer = self._open_foreign.get(span.parent.span_id) if span.parent is not None else None
        if outer is None:
            return False
        outer_attributes = outer.attributes or {}
        return same_call(outer_attributes, None) and same_call(attributes, provider_of(outer_attributes))

    def _remember_start(self, ours: Span) -> None:
        if ours.parent is None or ours.start_time is None:
            return
        key = (ours.context.trace_id, ours.parent.span_id)
        self._our_starts[key] = ours.start_time
        self._our_starts.move_to_end(key)
        if len(self._our_starts) > _RECENT_CALLS:
            self._our_starts.popitem(last=False)

    def _encloses_our_call(self, span: Span) -> bool:
        """Whether a back-dated span, started after one of ours beside it (same parent), began before
        ours did: an instrumentation that wrapped the SDK after us and starts its span only once the
        call returned (or its stream did) — the same call as ours."""
        if span.parent is None or span.start_time is None:
            return False
        ours = self._our_starts.get((span.context.trace_id, span.parent.span_id))
        return ours is not None and span.start_time <= ours

    def _mark_wrapping_spans(self, ours: Span) -> None:
        """Mark the other instrumentations' spans of this same call that enclose ours."""
        provider = provider_of(ours.attributes or {})
        parent = ours.parent
        while parent is not None:
            outer = self._open_foreign.get(parent.span_id)
            if outer is None or not same_call(outer.attributes or {}, provider):
                return
            outer.set_attribute(attrs.DUPLICATE, True)
            parent = outer.parent

    def on_end(self, span: ReadableSpan) -> None:
        if self._open_foreign:
            self._open_foreign.pop(span.context.span_id, None)

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
