"""Spans of OpenInference's OpenAI instrumentation (real package; ``llm.*`` attributes) stored into
the same columns as ours."""

from __future__ import annotations

import json

import openai
import pytest

from otel_llm import attributes as attrs
from otel_llm.hashing import text_hash
from otel_llm.storage import foreign
from tests.foreign_support import (
    OPENAI_MESSAGES,
    RESPONSES_TOOLS,
    SYSTEM,
    chat_tool_round_trip,
    stored_llm_rows,
    stored_messages,
    stored_rows,
    storing_provider,
)


def test_openinference_openai_spans_normalised(sqlite_url, mock_llm):
    from openinference.instrumentation.openai import OpenAIInstrumentor

    provider = storing_provider(sqlite_url)
    OpenAIInstrumentor().instrument(tracer_provider=provider)
    try:
        client = openai.OpenAI(api_key="sk-oi", base_url=mock_llm.url + "/v1", max_retries=0)
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=OPENAI_MESSAGES, temperature=0.7, max_tokens=90
        )
    finally:
        OpenAIInstrumentor().uninstrument()
    (row,) = stored_llm_rows(sqlite_url)
    assert row["scope_name"] == "openinference.instrumentation.openai"
    assert (row["provider"], row["operation"]) == ("openai", "chat")
    assert (row["request_model"], row["response_model"]) == ("gpt-4o-mini", reply.model)
    assert (row["temperature"], row["max_tokens"]) == (0.7, 90)
    assert (row["input_tokens"], row["output_tokens"]) == (
        reply.usage.prompt_tokens,
        reply.usage.completion_tokens,
    )
    assert row["system_prompt_hash"] == text_hash(SYSTEM)
    a = row["attributes"]
    assert json.loads(a[attrs.GEN_AI_INPUT_MESSAGES]) == [
        {"role": "user", "parts": [{"type": "text", "content": OPENAI_MESSAGES[1]["content"]}]}
    ]
    output = json.loads(a[attrs.GEN_AI_OUTPUT_MESSAGES])
    assert output[0]["parts"][0]["content"] == reply.choices[0].message.content


def test_present_semconv_attributes_win_over_mapped_ones():
    mapped = foreign.to_semconv({"llm.token_count.prompt": 10, attrs.GEN_AI_USAGE_INPUT_TOKENS: 12})
    assert mapped[attrs.GEN_AI_USAGE_INPUT_TOKENS] == 12


def test_openinference_tool_calls_results_and_responses_contents_mapped(db_url, mock_llm):
    """Tool calls, a tool's result sent back, and Responses content parts (real OpenInference spans)
    are stored as our own spans store them, and shown by ``traces show`` and the span page."""
    from openinference.instrumentation.openai import OpenAIInstrumentor

    provider = storing_provider(db_url)
    OpenAIInstrumentor().instrument(tracer_provider=provider)
    try:
        client = openai.OpenAI(api_key="sk-oi", base_url=mock_llm.url + "/v1", max_retries=0)
        first, second = chat_tool_round_trip(client)
        hello = [{"role": "user", "content": [{"type": "input_text", "text": "Hello there"}]}]
        answered = client.responses.create(model="gpt-4o-mini", input=hello, instructions="Be brief.")
        asked = client.responses.create(model="gpt-4o-mini", input="Weather in Paris?", tools=RESPONSES_TOOLS)
    finally:
        OpenAIInstrumentor().uninstrument()
    call = first.choices[0].message.tool_calls[0]
    wanted_call = {
        "type": "tool_call",
        "id": call.id,
        "name": "get_weather",
        "arguments": call.function.arguments,
    }
    chat_call, chat_result, responses_text, responses_call = stored_llm_rows(db_url)
    assert stored_messages(chat_call, attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"] == [wanted_call]
    sent_back = stored_messages(chat_result, attrs.GEN_AI_INPUT_MESSAGES)
    assert sent_back[1] == {"role": "assistant", "parts": [wanted_call]}
    assert sent_back[2] == {
        "role": "tool",
        "parts": [{"type": "tool_call_response", "id": call.id, "response": "Sunny, 21C"}],
    }
    assert stored_messages(chat_result, attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"][0]["content"] == (
        second.choices[0].message.content
    )
    assert stored_messages(responses_text, attrs.GEN_AI_INPUT_MESSAGES) == [
        {"role": "user", "parts": [{"type": "text", "content": "Hello there"}]}
    ]
    assert stored_messages(responses_text, attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"] == [
        {"type": "text", "content": answered.output_text}
    ]
    (asked_call,) = stored_messages(responses_call, attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"]
    assert (asked_call["name"], asked_call["id"]) == ("get_weather", asked.output[0].call_id)
    _shown_by_cli_and_console(db_url, chat_result["span_id"], call.id)


def _shown_by_cli_and_console(db_url: str, span_id: str, call_id: str) -> None:
    from click.testing import CliRunner
    from otel_llm_server.cli.main import main

    from tests.web_helpers import make_app, signed_in_client

    shown = CliRunner().invoke(
        main, ["--database-url", db_url, "traces", "show", span_id, "--project", "foreign"]
    )
    assert shown.exit_code == 0, shown.output
    assert "get_weather" in shown.output and call_id in shown.output and "Sunny, 21C" in shown.output
    client = signed_in_client(make_app(db_url), db_url, "ada@example.com", "viewer", project="foreign")
    page = client.get(f"/traces/span/{span_id}").get_data(as_text=True)
    assert "get_weather" in page and call_id in page and "Sunny, 21C" in page


def test_openinference_image_content_kept_as_a_uri_part():
    mapped = foreign.to_semconv(
        {
            "openinference.span.kind": "LLM",
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.contents.0.message_content.type": "text",
            "llm.input_messages.0.message.contents.0.message_content.text": "What is this?",
            "llm.input_messages.0.message.contents.1.message_content.type": "image",
            "llm.input_messages.0.message.contents.1.message_content.image.image.url": "https://example.com/a.png",
        }
    )
    assert json.loads(mapped[attrs.GEN_AI_INPUT_MESSAGES])[0]["parts"] == [
        {"type": "text", "content": "What is this?"},
        {"type": "uri", "modality": "image", "uri": "https://example.com/a.png"},
    ]


def test_openinference_embeddings_and_legacy_completion_stored_with_their_operations(sqlite_url, mock_llm):
    """Embedding spans keep the input texts and the dimension count, not the vectors."""
    from openinference.instrumentation.openai import OpenAIInstrumentor

    provider = storing_provider(sqlite_url)
    OpenAIInstrumentor().instrument(tracer_provider=provider)
    try:
        client = openai.OpenAI(api_key="sk-oi", base_url=mock_llm.url + "/v1", max_retries=0)
        embedded = client.embeddings.create(
            model="text-embedding-3-small", input=["hello", "world"], dimensions=8
        )
        completed = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi")
    finally:
        OpenAIInstrumentor().uninstrument()
    embedding, completion = stored_rows(sqlite_url)
    assert (embedding["operation"], embedding["request_model"]) == ("embeddings", "text-embedding-3-small")
    assert embedding["input_tokens"] == embedded.usage.prompt_tokens
    assert embedding["cost_usd"] == pytest.approx(embedded.usage.prompt_tokens * 0.02 / 1e6)
    a = embedding["attributes"]
    assert a[attrs.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] == 8
    assert stored_messages(embedding, attrs.GEN_AI_INPUT_MESSAGES) == [
        {
            "role": "user",
            "parts": [{"type": "text", "content": "hello"}, {"type": "text", "content": "world"}],
        }
    ]
    assert not any("vector" in key for key in a) and "output.value" not in a
    assert str(embedded.data[0].embedding[0])[:8] not in json.dumps(a)
    assert completion["operation"] == "text_completion"
    assert stored_messages(completion, attrs.GEN_AI_INPUT_MESSAGES) == [
        {"role": "user", "parts": [{"type": "text", "content": "Say hi"}]}
    ]
    output = stored_messages(completion, attrs.GEN_AI_OUTPUT_MESSAGES)
    assert output[0]["parts"][0]["content"] == completed.choices[0].text
