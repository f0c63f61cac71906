"""End to end: real SDK → local provider → our instrumentation and processor → SQL exporter → row,
on SQLite and Postgres, through ``otel_llm.configure`` as an app would use it."""

from __future__ import annotations

import asyncio
import json

import anthropic
import openai
import pytest
import sqlalchemy as sa
from opentelemetry import trace

import otel_llm
from otel_llm import attributes as attrs
from otel_llm import pipeline as otel_pipeline
from otel_llm.hashing import text_hash
from otel_llm.instrumentation.common import content
from otel_llm.storage import db as storage_db
from otel_llm.storage.schema import spans
from otel_llm.traces import span_view
from tests.instrumentation_support import MESSAGES, SYSTEM

USER = [{"role": "user", "content": "How long do refunds take?"}]


@pytest.fixture
def pipeline(db_url):
    otel_llm.configure(database_url=db_url, project="shop", capture_content=True)
    otel_llm.instrument()
    yield db_url
    otel_llm.uninstrument()
    otel_llm.shutdown()
    content.set_capture(None)


def rows(url: str) -> list[dict]:
    assert otel_pipeline.flush()
    with storage_db.get_engine(url).connect() as conn:
        result = conn.execute(sa.select(spans).order_by(spans.c.start_time))
        return [dict(r._mapping) for r in result]


def test_openai_sync_and_stream_stored_with_columns_and_tags(pipeline, mock_llm):
    client = openai.OpenAI(api_key="sk-secret", base_url=mock_llm.url + "/v1", max_retries=0)
    with otel_llm.tags(prompt_name="support", prompt_version=3, experiment="bakeoff", variant="b"):
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, temperature=0.2, max_tokens=80
        )
        stream = client.chat.completions.create(
            model="gpt-4o", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
        for _ in stream:
            pass
    first, second = rows(pipeline)
    assert (first["provider"], first["operation"], first["request_model"]) == (
        "openai",
        "chat",
        "gpt-4o-mini",
    )
    assert first["response_model"] == reply.model and first["finish_reason"] == "stop"
    assert (first["temperature"], first["max_tokens"]) == (0.2, 80)
    assert first["input_tokens"] == reply.usage.prompt_tokens
    assert first["output_tokens"] == reply.usage.completion_tokens
    assert first["system_prompt_hash"] == text_hash(SYSTEM)
    assert (first["prompt_name"], first["prompt_version"]) == ("support", "3")
    assert (first["experiment"], first["variant"]) == ("bakeoff", "b")
    assert first["scope_name"] == attrs.OUR_SCOPE and first["kind"] == "CLIENT" and first["is_llm"]
    assert first["cost_usd"] is not None and first["cost_usd"] > 0
    assert "sk-secret" not in str(first["attributes"])
    assert second["request_model"] == "gpt-4o" and second["output_tokens"] > 0
    assert json.loads(second["attributes"][attrs.REQUEST])["stream"] is True and second["variant"] == "b"
    assert span_view(second)["stream"] is True
    # The system message stays in the chat history (semconv); storage derives the instructions' text
    # (replay's system prompt field), and the span page shows it once, in the messages.
    view = span_view(first)
    assert view["system"] == SYSTEM and view["system_in_messages"] is True
    assert [m["role"] for m in view["input_messages"]] == ["system", "user"]


def test_anthropic_async_stream_stored_once_with_cache_arithmetic(pipeline, mock_llm):
    system = [{"type": "text", "text": SYSTEM * 20, "cache_control": {"type": "ephemeral"}}]

    async def run():
        client = anthropic.AsyncAnthropic(api_key="k", base_url=mock_llm.url, max_retries=0)
        async with client.messages.stream(
            model="claude-haiku-4-5", max_tokens=60, system=system, messages=USER
        ) as s:
            return await s.get_final_message()

    asyncio.run(run())
    final = asyncio.run(run())
    stored = rows(pipeline)
    assert len(stored) == 2  # the SDK-native spans were not stored
    row = stored[1]
    usage = final.usage
    assert row["cache_read_tokens"] == usage.cache_read_input_tokens > 0
    assert (
        row["input_tokens"]
        == usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens
    )
    assert row["system_prompt_hash"] == text_hash(SYSTEM * 20)
    assert row["provider"] == "anthropic" and row["finish_reason"] == final.stop_reason


def test_error_stored_with_error_type(pipeline, mock_llm):
    client = openai.OpenAI(api_key="sk", base_url=mock_llm.url + "/v1", max_retries=0)
    bad = [*MESSAGES[:1], {"role": "user", "content": "hi [[mock:error=503]]"}]
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="gpt-4o-mini", messages=bad)
    (row,) = rows(pipeline)
    assert (row["status_code"], row["error_type"]) == ("ERROR", "503")


def test_capture_off_stores_no_text_but_keeps_the_system_prompt_hash(db_url, mock_llm):
    otel_llm.configure(database_url=db_url, capture_content=False)
    otel_llm.instrument()
    try:
        client = openai.OpenAI(api_key="sk", base_url=mock_llm.url + "/v1", max_retries=0)
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        (row,) = rows(db_url)
    finally:
        otel_llm.uninstrument()
        otel_llm.shutdown()
        content.set_capture(None)
    stored = str(row["attributes"])
    assert SYSTEM not in stored and "refunds" not in stored
    assert row["system_prompt_hash"] == text_hash(SYSTEM)
    assert json.loads(row["attributes"][attrs.REQUEST])["content"] is False


def test_native_anthropic_span_adopted_without_our_instrumentation(db_url, mock_llm):
    otel_llm.configure(database_url=db_url)
    try:
        client = anthropic.Anthropic(api_key="k", base_url=mock_llm.url, max_retries=0)
        with otel_llm.tags(prompt_name="native", prompt_version=1):
            client.messages.create(model="claude-haiku-4-5", max_tokens=20, messages=USER)
        (row,) = rows(db_url)
    finally:
        otel_llm.shutdown()
    assert row["scope_name"] == attrs.ANTHROPIC_NATIVE_SCOPE
    assert (row["provider"], row["request_model"], row["prompt_name"]) == (
        "anthropic",
        "claude-haiku-4-5",
        "native",
    )
    assert row["output_tokens"] > 0 and row["input_tokens"] > 0


def test_explicit_attribute_wins_over_context_tags(pipeline, mock_llm):
    client = openai.OpenAI(api_key="sk", base_url=mock_llm.url + "/v1", max_retries=0)
    tracer = trace.get_tracer("app")
    with otel_llm.tags(prompt_name="from-context", variant="a"):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        explicit = {attrs.GEN_AI_OPERATION_NAME: "chat", attrs.GEN_AI_PROMPT_NAME: "explicit"}
        with tracer.start_as_current_span("chat manual", attributes=explicit):
            pass
    by_scope = {r["scope_name"]: r for r in rows(pipeline)}
    assert by_scope[attrs.OUR_SCOPE]["prompt_name"] == "from-context"
    assert by_scope["app"]["prompt_name"] == "explicit" and by_scope["app"]["variant"] == "a"


def test_embeddings_and_legacy_completion_stored_with_cost(pipeline, mock_llm):
    client = openai.OpenAI(api_key="sk-secret", base_url=mock_llm.url + "/v1", max_retries=0)
    embedded = client.embeddings.create(model="text-embedding-3-small", input=["refunds", "shipping"])
    completed = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi")
    embedding, completion = rows(pipeline)
    assert (embedding["operation"], embedding["request_model"]) == ("embeddings", "text-embedding-3-small")
    assert (embedding["input_tokens"], embedding["output_tokens"]) == (embedded.usage.prompt_tokens, None)
    assert embedding["cost_usd"] == pytest.approx(embedded.usage.prompt_tokens * 0.02 / 1e6)
    assert completion["operation"] == "text_completion"
    usage = completed.usage
    assert completion["cost_usd"] == pytest.approx(
        (usage.prompt_tokens * 1.5 + usage.completion_tokens * 2.0) / 1e6
    )
