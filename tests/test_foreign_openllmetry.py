"""Spans of OpenLLMetry (Traceloop's ``opentelemetry-instrumentation-openai``, real package) stored
into the same columns as ours; and its older flattened ``gen_ai.prompt.N.*`` style."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys

import openai
import pytest

from otel_llm import attributes as attrs
from otel_llm.hashing import text_hash
from otel_llm.storage.normalize import SpanRecord, to_row
from tests.foreign_support import (
    OPENAI_MESSAGES,
    SYSTEM,
    chat_tool_round_trip,
    stored_llm_rows,
    stored_messages,
    storing_provider,
)


@pytest.fixture
def openai_restored_after():
    """OpenLLMetry's uninstrument() leaves some of its wrappers in place: put every openai resource
    class back exactly as it was, so later tests see the SDK unpatched."""
    import openai.resources

    for module in pkgutil.walk_packages(openai.resources.__path__, "openai.resources."):
        importlib.import_module(module.name)
    before = {
        cls: dict(vars(cls))
        for name, module in list(sys.modules.items())
        if name.startswith("openai.resources")
        for cls in vars(module).values()
        if inspect.isclass(cls) and cls.__module__ == name
    }
    yield
    for cls, members in before.items():
        for key, value in members.items():
            if vars(cls).get(key) is not value:
                setattr(cls, key, value)


def test_openllmetry_openai_spans_normalised(sqlite_url, mock_llm, monkeypatch, openai_restored_after):
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    monkeypatch.setenv("TRACELOOP_TRACE_CONTENT", "true")
    provider = storing_provider(sqlite_url)
    OpenAIInstrumentor().instrument(tracer_provider=provider)
    try:
        client = openai.OpenAI(api_key="sk-ll", base_url=mock_llm.url + "/v1", max_retries=0)
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=OPENAI_MESSAGES, max_tokens=70)
    finally:
        OpenAIInstrumentor().uninstrument()
    (row,) = stored_llm_rows(sqlite_url)
    assert row["scope_name"].startswith("opentelemetry.instrumentation.openai")
    assert (row["provider"], row["operation"], row["request_model"]) == ("openai", "chat", "gpt-4o-mini")
    assert row["max_tokens"] == 70 and row["output_tokens"] == reply.usage.completion_tokens
    assert row["system_prompt_hash"] == text_hash(SYSTEM)


def test_flattened_prompt_and_completion_attributes():
    """Attributes as OpenLLMetry releases before the semconv migration wrote them."""
    record = SpanRecord(
        trace_id="ab" * 16,
        span_id="cd" * 8,
        name="openai.chat",
        start_ns=1_700_000_000_000_000_000,
        end_ns=1_700_000_000_500_000_000,
        attributes={
            "gen_ai.system": "OpenAI",
            "llm.request.type": "chat",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.usage.prompt_tokens": 21,
            "gen_ai.usage.completion_tokens": 9,
            "gen_ai.prompt.0.role": "system",
            "gen_ai.prompt.0.content": SYSTEM,
            "gen_ai.prompt.1.role": "user",
            "gen_ai.prompt.1.content": "Refund time?",
            "gen_ai.completion.0.role": "assistant",
            "gen_ai.completion.0.content": "Five days.",
            "gen_ai.completion.0.finish_reason": "stop",
        },
    )
    row = to_row(record, project_id=1)
    assert (row["provider"], row["operation"], row["request_model"]) == ("openai", "chat", "gpt-4o-mini")
    assert (row["input_tokens"], row["output_tokens"], row["finish_reason"]) == (21, 9, "stop")
    assert row["system_prompt_hash"] == text_hash(SYSTEM)
    assert '"Five days."' in row["attributes"][attrs.GEN_AI_OUTPUT_MESSAGES]
    assert row["cost_usd"] is not None


@pytest.mark.parametrize(
    ("attribute", "value", "column", "expected"),
    [
        ("gen_ai.system", "OpenAI", "provider", "openai"),
        ("llm.provider", "anthropic", "provider", "anthropic"),
        ("gen_ai.usage.prompt_tokens", 21, "input_tokens", 21),
        ("llm.token_count.completion", 9, "output_tokens", 9),
        ("llm.model_name", "gpt-4o", "request_model", "gpt-4o"),
        ("anthropic.message.stop_reason", "end_turn", "finish_reason", "end_turn"),
        ("openinference.span.kind", "LLM", "operation", "chat"),
        ("gen_ai.completion.0.finish_reason", "stop", "finish_reason", "stop"),
    ],
)
def test_one_foreign_attribute_alone_is_still_mapped(attribute, value, column, expected):
    """Spans in the current conventions skip the foreign mappings; a span whose only foreign
    attribute is any one of these must still be recognised and mapped."""
    record = SpanRecord(
        trace_id="ab" * 16, span_id="cd" * 8, name="x", start_ns=1, end_ns=2, attributes={attribute: value}
    )
    assert to_row(record, project_id=1)[column] == expected


def test_openllmetry_tool_round_trip_stored_with_tool_parts(
    sqlite_url, mock_llm, monkeypatch, openai_restored_after
):
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    monkeypatch.setenv("TRACELOOP_TRACE_CONTENT", "true")
    provider = storing_provider(sqlite_url)
    OpenAIInstrumentor().instrument(tracer_provider=provider)
    try:
        client = openai.OpenAI(api_key="sk-ll", base_url=mock_llm.url + "/v1", max_retries=0)
        first, _ = chat_tool_round_trip(client)
    finally:
        OpenAIInstrumentor().uninstrument()
    call = first.choices[0].message.tool_calls[0]
    asked, answered = stored_llm_rows(sqlite_url)
    (part,) = stored_messages(asked, attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"]
    assert (part["type"], part["id"], part["name"]) == ("tool_call", call.id, "get_weather")
    result = stored_messages(answered, attrs.GEN_AI_INPUT_MESSAGES)[2]["parts"][0]
    assert result == {"type": "tool_call_response", "id": call.id, "response": "Sunny, 21C"}


def _legacy_row(attributes: dict) -> dict:
    record = SpanRecord(
        trace_id="ab" * 16,
        span_id="ef" * 8,
        name="openai.chat",
        start_ns=1_700_000_000_000_000_000,
        end_ns=1_700_000_000_500_000_000,
        attributes={"gen_ai.system": "OpenAI", "llm.request.type": "chat", **attributes},
    )
    return to_row(record, project_id=1)


def test_flattened_tool_calls_and_tool_results():
    """OpenLLMetry's flattened tool calls (``gen_ai.completion.N.tool_calls.M.*``, and in the prompt
    with ``gen_ai.prompt.N.tool_call_id`` on the result), as its releases before the semconv
    migration wrote them; the installed release writes semconv messages, so the attributes are given."""
    row = _legacy_row(
        {
            "gen_ai.prompt.0.role": "user",
            "gen_ai.prompt.0.content": "Weather in Paris?",
            "gen_ai.prompt.1.role": "assistant",
            "gen_ai.prompt.1.tool_calls.0.id": "call_1",
            "gen_ai.prompt.1.tool_calls.0.name": "get_weather",
            "gen_ai.prompt.1.tool_calls.0.arguments": '{"city": "Paris"}',
            "gen_ai.prompt.2.role": "tool",
            "gen_ai.prompt.2.tool_call_id": "call_1",
            "gen_ai.prompt.2.content": "Sunny, 21C",
            "gen_ai.completion.0.role": "assistant",
            "gen_ai.completion.0.finish_reason": "tool_calls",
            "gen_ai.completion.0.tool_calls.0.id": "call_2",
            "gen_ai.completion.0.tool_calls.0.name": "get_time",
            "gen_ai.completion.0.tool_calls.0.arguments": '{"zone": "CET"}',
        }
    )
    call = {"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert stored_messages(row, attrs.GEN_AI_INPUT_MESSAGES)[1:] == [
        {"role": "assistant", "parts": [call]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": "Sunny, 21C"}]},
    ]
    assert stored_messages(row, attrs.GEN_AI_OUTPUT_MESSAGES) == [
        {
            "role": "assistant",
            "parts": [
                {"type": "tool_call", "id": "call_2", "name": "get_time", "arguments": '{"zone": "CET"}'}
            ],
            "finish_reason": "tool_calls",
        }
    ]
    assert row["finish_reason"] == "tool_calls"


def test_flattened_multi_part_content_is_split_into_parts():
    row = _legacy_row(
        {
            "gen_ai.prompt.0.role": "user",
            "gen_ai.prompt.0.content": '[{"type": "text", "text": "What is this?"}, '
            '{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]',
            "gen_ai.prompt.1.role": "assistant",
            "gen_ai.prompt.1.content": '[{"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": "a"}}]',
            "gen_ai.prompt.2.role": "user",
            "gen_ai.prompt.2.content": '[{"type": "tool_result", "tool_use_id": "toolu_1", "content": "a cat"}]',
        }
    )
    image, tool_use, tool_result = stored_messages(row, attrs.GEN_AI_INPUT_MESSAGES)
    assert image["parts"] == [
        {"type": "text", "content": "What is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]
    assert tool_use["parts"] == [
        {"type": "tool_call", "id": "toolu_1", "name": "lookup", "arguments": {"q": "a"}}
    ]
    assert tool_result["parts"] == [{"type": "tool_call_response", "id": "toolu_1", "response": "a cat"}]


def test_flattened_embedding_request_type_is_the_embeddings_operation():
    row = _legacy_row(
        {
            "llm.request.type": "embedding",
            "gen_ai.request.model": "text-embedding-3-small",
            "gen_ai.usage.prompt_tokens": 1000,
            "gen_ai.prompt.0.content": "refunds",
        }
    )
    assert (row["operation"], row["input_tokens"]) == ("embeddings", 1000)
    assert row["cost_usd"] == pytest.approx(1000 * 0.02 / 1e6)
    assert stored_messages(row, attrs.GEN_AI_INPUT_MESSAGES)[0]["parts"] == [
        {"type": "text", "content": "refunds"}
    ]
