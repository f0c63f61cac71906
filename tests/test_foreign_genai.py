"""Spans of the official ``opentelemetry-instrumentation-genai-openai`` / ``-genai-anthropic``
(real packages) stored into the same columns as ours, system prompt hash included."""

from __future__ import annotations

import anthropic
import openai

import otel_llm
from otel_llm.hashing import text_hash
from tests.foreign_support import (
    OPENAI_MESSAGES,
    SYSTEM,
    latest_genai_semconv,
    stored_llm_rows,
    storing_provider,
)


def test_official_genai_openai_spans_normalised(db_url, mock_llm, monkeypatch):
    from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor

    latest_genai_semconv(monkeypatch)
    provider = storing_provider(db_url)
    OpenAIInstrumentor().instrument(tracer_provider=provider)
    try:
        client = openai.OpenAI(api_key="sk-official", base_url=mock_llm.url + "/v1", max_retries=0)
        with otel_llm.tags(prompt_name="support", prompt_version=4):
            reply = client.chat.completions.create(
                model="gpt-4o-mini", messages=OPENAI_MESSAGES, temperature=0.4
            )
    finally:
        OpenAIInstrumentor().uninstrument()
    (row,) = stored_llm_rows(db_url)
    assert row["scope_name"] == "opentelemetry.instrumentation.genai.openai"
    assert (row["provider"], row["operation"], row["request_model"]) == ("openai", "chat", "gpt-4o-mini")
    assert row["temperature"] == 0.4 and row["finish_reason"] == "stop"
    assert (
        row["input_tokens"] == reply.usage.prompt_tokens
        and row["output_tokens"] == reply.usage.completion_tokens
    )
    assert row["system_prompt_hash"] == text_hash(SYSTEM)  # derived from its input messages
    assert (row["prompt_name"], row["prompt_version"]) == ("support", "4")
    assert row["cost_usd"] is not None


def test_official_genai_anthropic_spans_normalised(sqlite_url, mock_llm, monkeypatch):
    from opentelemetry.instrumentation.genai.anthropic import AnthropicInstrumentor

    latest_genai_semconv(monkeypatch)
    provider = storing_provider(sqlite_url)
    AnthropicInstrumentor().instrument(tracer_provider=provider)
    system = [{"type": "text", "text": SYSTEM * 30, "cache_control": {"type": "ephemeral"}}]
    user = [{"role": "user", "content": "Refund time?"}]
    try:
        client = anthropic.Anthropic(api_key="k", base_url=mock_llm.url, max_retries=0, open_telemetry=False)
        client.messages.create(model="claude-haiku-4-5", max_tokens=40, system=system, messages=user)
        second = client.messages.create(model="claude-haiku-4-5", max_tokens=40, system=system, messages=user)
    finally:
        AnthropicInstrumentor().uninstrument()
    row = stored_llm_rows(sqlite_url)[1]
    usage = second.usage
    assert (row["provider"], row["request_model"]) == ("anthropic", "claude-haiku-4-5")
    assert (
        row["input_tokens"]
        == usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens
    )
    assert row["output_tokens"] == usage.output_tokens
    assert row["system_prompt_hash"] == text_hash(SYSTEM * 30)
