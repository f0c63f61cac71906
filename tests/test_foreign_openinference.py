"""Spans of OpenInference's OpenAI instrumentation (real package; ``llm.*`` attributes) stored into
the same columns as ours."""

from __future__ import annotations

import json

import openai

from otel_llm import attributes as attrs
from otel_llm.hashing import text_hash
from otel_llm.storage import foreign
from tests.foreign_support import OPENAI_MESSAGES, SYSTEM, stored_llm_rows, storing_provider


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
