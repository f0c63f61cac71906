"""OpenAI embeddings and legacy completions, Anthropic beta messages: the real SDKs over HTTP against
the local provider, observed through our instrumentation, stored with cost."""

from __future__ import annotations

import asyncio

import anthropic
import openai
import pytest

from otel_llm import attributes as attrs
from otel_llm.instrumentation.common import content
from otel_llm.pricing import default_table
from tests import instrumentation_support
from tests.instrumentation_support import content_of, record_of

traced = instrumentation_support.traced  # fixture
TEXTS = ["Refunds take five days.", "Shipping is free over 50 euros."]


@pytest.fixture
def client(mock_llm):
    return openai.OpenAI(api_key="sk-test-secret", base_url=mock_llm.url + "/v1", max_retries=0)


@pytest.fixture
def aclient(mock_llm):
    return openai.AsyncOpenAI(api_key="sk-test-secret", base_url=mock_llm.url + "/v1", max_retries=0)


@pytest.fixture
def claude(mock_llm):
    return anthropic.Anthropic(api_key="sk-ant-secret", base_url=mock_llm.url, max_retries=0)


def test_embeddings_span_keeps_input_and_dimension_count_not_vectors(traced, client):
    reply = client.embeddings.create(model="text-embedding-3-small", input=TEXTS)
    span = traced.one()
    a = span.attributes
    assert span.name == "embeddings text-embedding-3-small"
    assert (a[attrs.GEN_AI_OPERATION_NAME], a[attrs.GEN_AI_PROVIDER_NAME]) == ("embeddings", "openai")
    assert a[attrs.GEN_AI_USAGE_INPUT_TOKENS] == reply.usage.prompt_tokens > 0
    assert attrs.GEN_AI_USAGE_OUTPUT_TOKENS not in a
    assert a[attrs.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] == len(reply.data[0].embedding) == 1536
    assert content_of(span, attrs.GEN_AI_INPUT_MESSAGES) == [
        {"role": "user", "parts": [{"type": "text", "content": t} for t in TEXTS]}
    ]
    assert attrs.GEN_AI_OUTPUT_MESSAGES not in a
    vector_text = str(reply.data[0].embedding[0])
    assert not any(vector_text in str(v) for v in a.values())
    assert record_of(span)["api"] == "openai.embeddings"


def test_async_embeddings_with_dimensions_and_base64(traced, aclient):
    reply = asyncio.run(
        aclient.embeddings.create(
            model="text-embedding-3-large", input="hi", dimensions=256, encoding_format="base64"
        )
    )
    a = traced.one().attributes
    assert a[attrs.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] == 256
    assert list(a[attrs.GEN_AI_REQUEST_ENCODING_FORMATS]) == ["base64"]
    assert isinstance(reply.data[0].embedding, str)


def test_embeddings_without_capture_keep_no_input(traced, client):
    content.set_capture(False)
    client.embeddings.create(model="text-embedding-3-small", input="secret order 42")
    a = traced.one().attributes
    assert attrs.GEN_AI_INPUT_MESSAGES not in a and "secret order 42" not in a[attrs.REQUEST]


def test_legacy_completion_plain_and_streamed(traced, client):
    reply = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi", max_tokens=40)
    stream = client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Say hi", stream=True, stream_options={"include_usage": True}
    )
    streamed = "".join(chunk.choices[0].text for chunk in stream if chunk.choices)
    plain, piped = traced.llm_spans()
    for span in (plain, piped):
        a = span.attributes
        assert span.name == "text_completion gpt-3.5-turbo-instruct"
        assert a[attrs.GEN_AI_OPERATION_NAME] == "text_completion"
        assert content_of(span, attrs.GEN_AI_INPUT_MESSAGES) == [
            {"role": "user", "parts": [{"type": "text", "content": "Say hi"}]}
        ]
    assert plain.attributes[attrs.GEN_AI_REQUEST_MAX_TOKENS] == 40
    assert plain.attributes[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] == reply.usage.completion_tokens
    assert content_of(plain, attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"][0]["content"] == reply.choices[0].text
    assert content_of(piped, attrs.GEN_AI_OUTPUT_MESSAGES)[0] == {
        "role": "assistant",
        "parts": [{"type": "text", "content": streamed}],
        "finish_reason": "length",
    }
    assert piped.attributes[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] == 16  # the API's default max_tokens


def test_async_legacy_completion(traced, aclient):
    reply = asyncio.run(aclient.completions.create(model="gpt-3.5-turbo-instruct", prompt="Hello"))
    a = traced.one().attributes
    assert a[attrs.GEN_AI_RESPONSE_ID] == reply.id
    assert a[attrs.GEN_AI_USAGE_INPUT_TOKENS] == reply.usage.prompt_tokens


def test_anthropic_beta_messages_create_and_stream(traced, claude):
    messages = [{"role": "user", "content": "How long do refunds take?"}]
    reply = claude.beta.messages.create(
        model="claude-haiku-4-5",
        max_tokens=60,
        system="Be brief.",
        messages=messages,
        betas=["context-1m-2025-08-07"],
    )
    with claude.beta.messages.stream(model="claude-haiku-4-5", max_tokens=60, messages=messages) as stream:
        final = stream.get_final_message()
    created, streamed = traced.llm_spans()
    for span, message in ((created, reply), (streamed, final)):
        a = span.attributes
        assert (a[attrs.GEN_AI_OPERATION_NAME], a[attrs.GEN_AI_PROVIDER_NAME]) == ("chat", "anthropic")
        assert a[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] == message.usage.output_tokens
        output = content_of(span, attrs.GEN_AI_OUTPUT_MESSAGES)
        assert output[0]["parts"][0]["content"] == message.content[0].text
        assert record_of(span)["api"] == "anthropic.beta.messages"
    assert content_of(created, attrs.GEN_AI_SYSTEM_INSTRUCTIONS) == [{"type": "text", "content": "Be brief."}]


def test_embedding_price_counts_input_tokens_only():
    table = default_table()
    assert table.cost("text-embedding-3-small", 1_000_000, None, provider="openai") == pytest.approx(0.02)
    assert table.cost("text-embedding-3-small", 1_000_000, 0, provider="openai") == pytest.approx(0.02)


def test_embeddings_raw_response_and_async_beta_messages(traced, client, mock_llm):
    raw = client.embeddings.with_raw_response.create(model="text-embedding-3-small", input="hi")
    assert len(raw.parse().data[0].embedding) == 1536
    claude = anthropic.AsyncAnthropic(api_key="sk-ant-secret", base_url=mock_llm.url, max_retries=0)
    messages = [{"role": "user", "content": "hi"}]
    reply = asyncio.run(
        claude.beta.messages.create(model="claude-haiku-4-5", max_tokens=30, messages=messages)
    )
    embedded, beta = traced.llm_spans()
    assert embedded.attributes[attrs.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] == 1536
    assert beta.attributes[attrs.GEN_AI_RESPONSE_ID] == reply.id
