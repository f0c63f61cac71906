"""Zero-code start: hooks that ``opentelemetry-instrument`` loads through entry points.

``OTEL_LLM_DATABASE_URL=sqlite:///llm.db opentelemetry-instrument python app.py`` then stores an
unmodified app's LLM calls: the ``opentelemetry_instrumentor`` entry points (``otel_llm_openai``,
``otel_llm_anthropic``) patch the SDKs, and the ``opentelemetry_post_instrument`` hook below runs
``otel_llm.configure()`` — joining the SDK ``TracerProvider`` a configurator (e.g. opentelemetry-distro
with OTLP) may have set, or creating one — so spans are tagged by ``LLMSpanProcessor`` and written
by the SQL exporter. Without ``OTEL_LLM_DATABASE_URL`` nothing is stored by us; the tagging processor is
still added to an SDK provider that another configurator set up.
"""

from __future__ import annotations

import logging
import os

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from otel_llm import settings

logger = logging.getLogger(__name__)


def post_instrument() -> None:
    """``opentelemetry_post_instrument`` hook. Never raises (the app must start regardless)."""
    try:
        if os.environ.get(settings.OTEL_LLM_DATABASE_URL, "").strip():
            from otel_llm.pipeline import configure

            configure()
            return
        provider = trace.get_tracer_provider()
        if isinstance(provider, TracerProvider):
            from otel_llm.processor import LLMSpanProcessor

            provider.add_span_processor(LLMSpanProcessor())
    except Exception:
        logger.warning("otel-llm: zero-code configuration failed; LLM calls are not stored", exc_info=True)
