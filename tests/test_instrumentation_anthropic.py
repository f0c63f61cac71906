"""The real anthropic SDK over HTTP against the local provider, observed through our instrumentation."""

from __future__ import annotations

import asyncio
import gc
import uuid

import anthropic
import pytest
from opentelemetry.trace import StatusCode
from pydantic import BaseModel

from otel_llm import attributes as attrs
from otel_llm.hashing import text_hash
from otel_llm.storage.normalize import from_readable, to_row
from tests import instrumentation_support
from tests.instrumentation_support import (
    SYSTEM,
    Traced,
    content_of,
    record_of,
)

traced = instrumentation_support.traced  # fixture

MODEL = "claude-haiku-4-5"
USER = [{"role": "user", "content": "How long do refunds take?"}]


@pytest.fixture
def client(mock_llm, traced):
    # The SDK's own spans go to the same provider, so their de-duplication is observed too.
    return anthropic.Anthropic(
        api_key="sk-ant-secret",
        base_url=mock_llm.url,
        max_retries=0,
        open_telemetry={"tracer_provider": traced.provider},
    )


@pytest.fixture
def aclient(mock_llm, traced):
    return anthropic.AsyncAnthropic(
        api_key="sk-ant-secret",
        base_url=mock_llm.url,
        max_retries=0,
        open_telemetry={"tracer_provider": traced.provider},
    )


def test_create_gives_one_stored_span_with_attributes_and_record(traced, client, mock_llm):
    message = client.messages.create(
        model=MODEL, max_tokens=100, system=SYSTEM, messages=USER, stop_sequences=["END"]
    )
    span = traced.one()  # the SDK-native span is marked duplicate
    native = [s for s in traced.spans() if s.instrumentation_scope.name == attrs.ANTHROPIC_NATIVE_SCOPE]
    assert len(native) == 1 and native[0].attributes[attrs.DUPLICATE] is True
    a = span.attributes
    assert span.name == f"chat {MODEL}" and a[attrs.GEN_AI_PROVIDER_NAME] == "anthropic"
    assert a[attrs.GEN_AI_REQUEST_MAX_TOKENS] == 100 and list(a[attrs.GEN_AI_REQUEST_STOP_SEQUENCES]) == [
        "END"
    ]
    assert a[attrs.GEN_AI_RESPONSE_ID] == message.id
    assert list(a[attrs.GEN_AI_RESPONSE_FINISH_REASONS]) == [message.stop_reason]
    assert a[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] == message.usage.output_tokens
    assert a[attrs.SYSTEM_PROMPT_HASH] == text_hash(SYSTEM)
    assert content_of(span, attrs.GEN_AI_SYSTEM_INSTRUCTIONS) == [{"type": "text", "content": SYSTEM}]
    assert content_of(span, attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"][0]["content"] == message.content[0].text
    record = record_of(span)
    assert record["api"] == "anthropic.messages" and "sk-ant-secret" not in a[attrs.REQUEST]
    sent = mock_llm.requests[-1].body
    client.messages.create(**record["params"])
    assert mock_llm.requests[-1].body == sent


def test_sampling_parameters_sent_in_extra_body_are_recorded(traced, client, mock_llm):
    # anthropic 2.x has no temperature/top_p/top_k keywords: apps (and replay) send them in extra_body.
    sampling = {"temperature": 0.3, "top_p": 0.9, "top_k": 5}
    client.messages.create(model=MODEL, max_tokens=50, messages=USER, extra_body=sampling)
    span = traced.one()
    a = span.attributes
    assert (a[attrs.GEN_AI_REQUEST_TEMPERATURE], a[attrs.GEN_AI_REQUEST_TOP_P]) == (0.3, 0.9)
    assert a[attrs.GEN_AI_REQUEST_TOP_K] == 5
    assert to_row(from_readable(span), project_id=1)["temperature"] == 0.3
    sent = mock_llm.requests[-1].body
    assert mock_llm.requests[-1].json["temperature"] == 0.3
    client.messages.create(**record_of(span)["params"])  # the record keeps extra_body as it was
    assert mock_llm.requests[-1].body == sent


def test_cache_tokens_added_to_input_total(traced, client):
    system = [
        {"type": "text", "text": f"Policy {uuid.uuid4().hex} " * 40, "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "Answer briefly."},
    ]
    client.messages.create(model=MODEL, max_tokens=50, system=system, messages=USER)
    second = client.messages.create(model=MODEL, max_tokens=50, system=system, messages=USER)
    spans = sorted(traced.llm_spans(), key=lambda s: s.start_time)
    write, read = spans[0].attributes, spans[1].attributes
    assert write[attrs.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] > 0
    assert read[attrs.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] > 0
    usage = second.usage
    expected = usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens
    assert read[attrs.GEN_AI_USAGE_INPUT_TOKENS] == expected > usage.input_tokens
    joined = system[0]["text"] + "\n" + system[1]["text"]
    assert read[attrs.SYSTEM_PROMPT_HASH] == text_hash(joined)


def test_create_stream_ends_once_with_usage(traced, client):
    stream = client.messages.create(model=MODEL, max_tokens=50, messages=USER, stream=True)
    assert traced.llm_spans() == []
    text = "".join(e.delta.text for e in stream if e.type == "content_block_delta")
    span = traced.one()
    assert span.attributes[attrs.TIME_TO_FIRST_CHUNK_MS] > 0
    assert span.attributes[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] > 0
    assert content_of(span, attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"][0]["content"] == text
    del stream
    gc.collect()
    assert len(traced.llm_spans()) == 1


def test_messages_stream_helper_text_stream_and_final_message(traced, client):
    with client.messages.stream(model=MODEL, max_tokens=50, system=SYSTEM, messages=USER) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    span = traced.one()
    assert final.content[0].text == text
    assert span.attributes[attrs.GEN_AI_RESPONSE_ID] == final.id
    assert span.attributes[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] == final.usage.output_tokens
    assert record_of(span)["stream"] is True
    assert content_of(span, attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"][0]["content"] == text


def test_messages_stream_left_early(traced, client):
    with client.messages.stream(model=MODEL, max_tokens=50, messages=USER) as stream:
        for _event in stream:
            break
    assert len(traced.llm_spans()) == 1


def test_async_create_stream_and_helper(traced, aclient):
    async def run():
        message = await aclient.messages.create(model=MODEL, max_tokens=50, messages=USER)
        stream = await aclient.messages.create(model=MODEL, max_tokens=50, messages=USER, stream=True)
        events = [e async for e in stream]
        async with aclient.messages.stream(model=MODEL, max_tokens=50, messages=USER) as helper:
            final = await helper.get_final_message()
        return message, events, final

    message, events, final = asyncio.run(run())
    spans = sorted(traced.llm_spans(), key=lambda s: s.start_time)
    assert len(spans) == 3 and events
    assert spans[0].attributes[attrs.GEN_AI_RESPONSE_ID] == message.id
    assert spans[2].attributes[attrs.GEN_AI_RESPONSE_ID] == final.id
    assert all(s.attributes[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] > 0 for s in spans)


TOOLS = [
    {
        "name": "refund_status",
        "description": "Status of a refund",
        "input_schema": {"type": "object", "properties": {"order": {"type": "string"}}},
    }
]


@pytest.mark.parametrize("stream", [False, True])
def test_tool_use_recorded(traced, client, stream):
    result = client.messages.create(model=MODEL, max_tokens=100, messages=USER, tools=TOOLS, stream=stream)
    if stream:
        list(result)
    span = traced.one()
    assert content_of(span, attrs.GEN_AI_TOOL_DEFINITIONS) == TOOLS
    output = content_of(span, attrs.GEN_AI_OUTPUT_MESSAGES)[0]
    assert output["finish_reason"] == "tool_use"
    call = next(p for p in output["parts"] if p["type"] == "tool_call")
    assert call["name"] == "refund_status"


class Answer(BaseModel):
    days: int


def test_parse_records_output_config_schema(traced, client, mock_llm):
    if not hasattr(client.messages, "parse"):
        pytest.skip("this anthropic SDK has no messages.parse")
    client.messages.parse(model=MODEL, max_tokens=100, messages=USER, output_format=Answer)
    params = record_of(traced.one())["params"]
    assert "output_format" not in params
    assert params["output_config"]["format"]["type"] == "json_schema"
    assert mock_llm.requests[-1].json["output_config"] == params["output_config"]


def test_error_is_recorded_and_reraised(traced, client):
    with pytest.raises(anthropic.RateLimitError):
        client.messages.create(
            model=MODEL, max_tokens=10, messages=USER, extra_headers={"x-mock-error": "429"}
        )
    span = traced.one()
    assert span.status.status_code is StatusCode.ERROR and span.attributes[attrs.ERROR_TYPE] == "429"


def test_raw_and_streaming_response(traced, client):
    raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=10, messages=USER)
    assert raw.headers.get("request-id")
    message = raw.parse()
    with client.messages.with_streaming_response.create(model=MODEL, max_tokens=10, messages=USER) as resp:
        streamed = resp.parse()
    del raw
    gc.collect()
    ids = {s.attributes.get(attrs.GEN_AI_RESPONSE_ID) for s in traced.llm_spans()}
    assert ids == {message.id, streamed.id}


def test_native_spans_are_adopted_when_we_are_not_instrumenting(mock_llm):
    """Without our instrumentation the SDK-native span is the one stored, and it is tagged."""
    import otel_llm

    t = Traced()
    client = anthropic.Anthropic(
        api_key="k", base_url=mock_llm.url, max_retries=0, open_telemetry={"tracer_provider": t.provider}
    )
    with otel_llm.tags(prompt_name="support", prompt_version=2):
        client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    span = t.one()
    assert span.instrumentation_scope.name == attrs.ANTHROPIC_NATIVE_SCOPE
    assert span.attributes[attrs.GEN_AI_PROMPT_NAME] == "support"
    assert span.attributes[attrs.GEN_AI_PROMPT_VERSION] == "2"


def test_generator_messages_reach_the_stream_helper_intact(traced, client, mock_llm):
    with client.messages.stream(model=MODEL, max_tokens=20, messages=(m for m in USER)) as stream:
        stream.until_done()
    assert mock_llm.requests[-1].json["messages"] == USER
    assert record_of(traced.one())["params"]["messages"] == USER


def test_uninstrument_restores_the_anthropic_sdk(traced):
    from anthropic.resources.messages.messages import AsyncMessages, Messages

    from otel_llm.instrumentation.anthropic import AnthropicInstrumentor

    originals = {
        (cls, name): cls.__dict__[name].__wrapped__
        for cls in (Messages, AsyncMessages)
        for name in ("create", "stream", "parse")
    }
    AnthropicInstrumentor().uninstrument()
    for (cls, name), original in originals.items():
        assert cls.__dict__[name] is original
