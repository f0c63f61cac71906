"""Run another GenAI instrumentation (the real package) against the local provider and store its
spans with our processor and SQL exporter, as an app that kept its instrumentation would."""

from __future__ import annotations

import sqlalchemy as sa
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from otel_llm.exporter import SQLSpanExporter
from otel_llm.processor import LLMSpanProcessor
from otel_llm.storage import db as storage_db
from otel_llm.storage.schema import spans

SYSTEM = "You are a terse support agent."
WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
CHAT_TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}}]
RESPONSES_TOOLS = [{"type": "function", "name": "get_weather", "parameters": WEATHER}]
OPENAI_MESSAGES = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "How long do refunds take?"},
]


def latest_genai_semconv(monkeypatch) -> None:
    """The official instrumentations with the current GenAI conventions and content on spans."""
    from opentelemetry.instrumentation._semconv import _OpenTelemetrySemanticConventionStability

    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "SPAN_ONLY")
    monkeypatch.setattr(_OpenTelemetrySemanticConventionStability, "_initialized", False)
    _OpenTelemetrySemanticConventionStability._initialize()


def storing_provider(url: str) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(LLMSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(SQLSpanExporter(database_url=url, project="foreign")))
    return provider


def stored_rows(url: str) -> list[dict]:
    """Every stored span (model calls and embeddings alike), oldest first."""
    with storage_db.get_engine(url).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(spans).order_by(spans.c.start_time))]


def stored_llm_rows(url: str) -> list[dict]:
    with storage_db.get_engine(url).connect() as conn:
        query = sa.select(spans).where(spans.c.is_llm).order_by(spans.c.start_time)
        return [dict(r._mapping) for r in conn.execute(query)]


def chat_tool_round_trip(client) -> tuple:
    """A chat call that asks for a tool, then the call that sends its result back: both replies."""
    messages: list = [{"role": "user", "content": "Weather in Paris?"}]
    first = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=CHAT_TOOLS)
    call = first.choices[0].message.tool_calls[0]
    messages += [
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 21C"},
    ]
    second = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=CHAT_TOOLS)
    return first, second


def stored_messages(row: dict, name: str):
    import json

    raw = row["attributes"].get(name)
    return None if raw is None else json.loads(raw)
