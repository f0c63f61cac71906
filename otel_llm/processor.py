"""``LLMSpanProcessor``: tags LLM spans with the prompt version and experiment variant in use."""

from __future__ import annotations

import logging

from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from otel_llm import attributes as attrs
from otel_llm.context import current_tags

logger = logging.getLogger(__name__)

_IN_OUR_CALL_KEY = otel_context.create_key("otel_llm.in_llm_call")


def is_llm_span(span: ReadableSpan) -> bool:
    attributes = span.attributes or {}
    return (
        attrs.GEN_AI_OPERATION_NAME in attributes
        or attrs.GEN_AI_PROVIDER_NAME in attributes
        or attrs.GEN_AI_SYSTEM in attributes
        or "llm.model_name" in attributes  # OpenInference
        or attributes.get("openinference.span.kind") == "LLM"
    )


def mark_our_call(ctx: otel_context.Context) -> otel_context.Context:
    """Context inside one of our LLM spans: an SDK-native span started there is a duplicate of ours."""
    return otel_context.set_value(_IN_OUR_CALL_KEY, True, ctx)


def in_our_call(ctx: otel_context.Context | None = None) -> bool:
    """Whether ``ctx`` (default: the current context) is inside one of our LLM calls."""
    return bool(otel_context.get_value(_IN_OUR_CALL_KEY, ctx))


class LLMSpanProcessor(SpanProcessor):
    """Copies the tags of the current context (``otel_llm.tags``) onto LLM spans at start.

    Only LLM spans are touched; an attribute set explicitly on the span wins over the context. An
    SDK-native Anthropic span started inside one of our own LLM spans is marked as a duplicate so
    that one call is stored once. Never raises into the app.
    """

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        try:
            self._tag(span, parent_context)
        except Exception:  # pragma: no cover - defensive: telemetry never breaks the app
            logger.debug("otel-llm: tagging a span failed", exc_info=True)

    def _tag(self, span: Span, parent_context: otel_context.Context | None) -> None:
        if not is_llm_span(span):
            return
        scope = span.instrumentation_scope.name if span.instrumentation_scope else ""
        # Any other instrumentation's LLM span inside one of ours (SDK-native Anthropic spans, another
        # OpenAI/Anthropic instrumentor that wrapped the SDK before us) describes the same call.
        if scope != attrs.OUR_SCOPE and otel_context.get_value(_IN_OUR_CALL_KEY, parent_context):
            span.set_attribute(attrs.DUPLICATE, True)
            return
        existing = span.attributes or {}
        for name, value in current_tags(parent_context).items():
            if name not in existing:
                span.set_attribute(name, value)

    def on_end(self, span: ReadableSpan) -> None:
        pass

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
