"""Set up (or join) the global tracing pipeline, and patch or restore the LLM SDKs."""

from __future__ import annotations

import logging
import threading

from opentelemetry import trace
from opentelemetry.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from otel_llm import settings
from otel_llm.processor import LLMSpanProcessor

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_state: dict = {"provider": None, "batch": None, "exporter": None, "instrumentors": []}


def configure(
    database_url: str | None = None,
    project: str | None = None,
    capture_content: bool | None = None,
    tracer_provider: TracerProvider | None = None,
) -> TracerProvider:
    """Add otel-llm's span processor and SQL exporter to the tracer provider.

    Joins the global SDK ``TracerProvider`` when the app (or ``opentelemetry-instrument``) set one,
    otherwise creates and registers one. Calling it again replaces the earlier exporter. Arguments
    override the ``OTEL_LLM_*`` environment variables. An SQLite database is created or upgraded to
    the current schema here (a Postgres one by ``otel-llm db upgrade``). ``database_url`` and
    ``project`` are also where ``get_prompt``, ``experiment`` and ``record_feedback`` read and write
    (``app_database_url`` / ``app_project``) unless given their own. This is the app's own
    pipeline: model calls the otel-llm server makes for a user never go through it
    (``otel_llm.server_calls``).
    """
    from otel_llm.exporter import SQLSpanExporter

    _prepare_embedded_database(database_url)

    with _lock:
        provider = tracer_provider or _global_sdk_provider()
        if _state["batch"] is not None:
            _state["batch"].shutdown()
        if _state["provider"] is not provider:
            provider.add_span_processor(LLMSpanProcessor())
        exporter = SQLSpanExporter(database_url=database_url, project=project)
        batch = BatchSpanProcessor(exporter)
        provider.add_span_processor(batch)
        _state.update(provider=provider, batch=batch, exporter=exporter)
        _state.update(database_url=database_url, project=project)
        _state["capture_content"] = settings.capture_content(capture_content)
        return provider


def app_database_url(override: str | None = None) -> str:
    """The database the app's clients use: ``override``, else ``configure``'s, else the environment's."""
    return settings.database_url(override or _state.get("database_url"))


def app_project(override: str | None = None) -> str:
    """The project the app's clients use: ``override``, else ``configure``'s, else the environment's."""
    return settings.project(override or _state.get("project"))


def _prepare_embedded_database(database_url: str | None) -> None:
    """Migrate an SQLite file now, before any span is written; a failure is logged, never raised
    (the exporter then spools, and says why)."""
    from otel_llm.storage import migrate

    try:
        migrate.prepare_embedded(database_url)
    except Exception:
        logger.warning("otel-llm: could not bring the SQLite database to the current schema", exc_info=True)


def _global_sdk_provider() -> TracerProvider:
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    provider = TracerProvider(resource=Resource.create())
    trace.set_tracer_provider(provider)
    return provider


def capture_content_enabled() -> bool:
    value = _state.get("capture_content")
    return settings.capture_content() if value is None else value


def shutdown() -> None:
    """Flush and stop otel-llm's exporter (pending spans are written or spooled)."""
    with _lock:
        batch = _state["batch"]
        if batch is not None:
            batch.force_flush()
            batch.shutdown()
        _state.update(batch=None, exporter=None, database_url=None, project=None)


def flush(timeout_millis: int = 30000) -> bool:
    batch = _state["batch"]
    return batch.force_flush(timeout_millis) if batch is not None else True


def instrument(
    tracer_provider: TracerProvider | None = None,
    capture_content: bool | None = None,
    meter_provider: MeterProvider | None = None,
) -> None:
    """Patch the installed ``openai``, ``anthropic`` and ``google-genai`` SDKs. Idempotent.

    Spans go to ``tracer_provider`` (default: the one ``configure()`` set up, else the global one);
    the GenAI client metrics (``gen_ai.client.operation.duration``, ``gen_ai.client.token.usage``)
    to ``meter_provider`` (default: the global one, which records nothing until the app sets one).
    """
    from otel_llm.instrumentation import available_instrumentors
    from otel_llm.instrumentation.common.content import read_settings

    if capture_content is not None:
        _state["capture_content"] = capture_content
    with _lock:
        read_settings()  # also when already instrumented: instrument() again picks up a new size cap
        for instrumentor in available_instrumentors():
            if not instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.instrument(
                    tracer_provider=tracer_provider or _state["provider"], meter_provider=meter_provider
                )
            if instrumentor not in _state["instrumentors"]:
                _state["instrumentors"].append(instrumentor)


def uninstrument() -> None:
    """Restore the SDKs exactly as they were."""
    with _lock:
        for instrumentor in _state["instrumentors"]:
            if instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.uninstrument()
        _state["instrumentors"] = []
