"""The real openai SDK over HTTP against the local provider, observed through our instrumentation."""

from __future__ import annotations

import asyncio
import gc
import json

import openai
import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import BaseModel

from otel_llm import attributes as attrs
from otel_llm.hashing import text_hash
from tests import instrumentation_support
from tests.instrumentation_support import (
    MESSAGES,
    SYSTEM,
    content_of,
    record_of,
)

traced = instrumentation_support.traced  # fixture


@pytest.fixture
def client(mock_llm):
    return openai.OpenAI(api_key="sk-test-secret", base_url=mock_llm.url + "/v1", max_retries=0)


@pytest.fixture
def aclient(mock_llm):
    return openai.AsyncOpenAI(api_key="sk-test-secret", base_url=mock_llm.url + "/v1", max_retries=0)


def test_chat_create_span_has_semconv_attributes_content_and_replayable_record(traced, client, mock_llm):
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, temperature=0.3, max_tokens=64, top_p=0.9, stop=["END"]
    )
    span = traced.one()
    a = span.attributes
    assert span.name == "chat gpt-4o-mini" and span.kind is SpanKind.CLIENT
    assert span.instrumentation_scope.name == attrs.OUR_SCOPE
    assert a[attrs.GEN_AI_PROVIDER_NAME] == "openai" and a[attrs.GEN_AI_OPERATION_NAME] == "chat"
    assert (a[attrs.GEN_AI_REQUEST_TEMPERATURE], a[attrs.GEN_AI_REQUEST_MAX_TOKENS]) == (0.3, 64)
    assert a[attrs.GEN_AI_REQUEST_TOP_P] == 0.9 and list(a[attrs.GEN_AI_REQUEST_STOP_SEQUENCES]) == ["END"]
    assert a[attrs.GEN_AI_RESPONSE_ID] == reply.id and a[attrs.GEN_AI_RESPONSE_MODEL] == reply.model
    assert list(a[attrs.GEN_AI_RESPONSE_FINISH_REASONS]) == [reply.choices[0].finish_reason]
    assert a[attrs.GEN_AI_USAGE_INPUT_TOKENS] == reply.usage.prompt_tokens
    assert a[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] == reply.usage.completion_tokens
    # The system message is part of the chat history: gen_ai.input.messages, per the conventions.
    assert attrs.GEN_AI_SYSTEM_INSTRUCTIONS not in a
    assert content_of(span, attrs.GEN_AI_INPUT_MESSAGES) == [
        {"role": "system", "parts": [{"type": "text", "content": SYSTEM}]},
        {"role": "user", "parts": [{"type": "text", "content": MESSAGES[1]["content"]}]},
    ]
    output = content_of(span, attrs.GEN_AI_OUTPUT_MESSAGES)
    assert output[0]["parts"][0]["content"] == reply.choices[0].message.content
    assert output[0]["finish_reason"] == "stop"
    assert a[attrs.SYSTEM_PROMPT_HASH] == text_hash(SYSTEM)
    record = record_of(span)
    assert record["api"] == "openai.chat.completions" and record["content"] is True
    assert "sk-test-secret" not in a[attrs.REQUEST]

    sent = mock_llm.requests[-1].body
    client.chat.completions.create(**record["params"])  # replay
    assert mock_llm.requests[-1].body == sent


def test_system_and_developer_messages_joined_for_the_hash(traced, client):
    messages = [
        {
            "role": "developer",
            "content": [{"type": "text", "text": "Part one."}, {"type": "text", "text": "Two."}],
        },
        {"role": "system", "content": "Three."},
        {"role": "user", "content": "hi"},
    ]
    client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    assert traced.one().attributes[attrs.SYSTEM_PROMPT_HASH] == text_hash("Part one.\nTwo.\nThree.")


def test_stream_span_ends_once_after_exhaustion_with_usage_and_first_chunk_time(traced, client):
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    assert traced.llm_spans() == []  # not ended before the app reads it
    pieces = []
    for chunk in stream:
        assert not trace.get_current_span().is_recording()  # our span is never current across a yield
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
    span = traced.one()
    a = span.attributes
    assert record_of(span)["stream"] is True and a[attrs.TIME_TO_FIRST_CHUNK_MS] > 0
    assert a[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] > 0 and a[attrs.GEN_AI_USAGE_INPUT_TOKENS] > 0
    assert content_of(span, attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"][0]["content"] == "".join(pieces)
    stream.close()
    del stream
    gc.collect()
    assert len(traced.llm_spans()) == 1


def test_stream_left_early_ends_span_when_closed_or_abandoned(traced, client):
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    for _ in stream:
        break
    assert traced.llm_spans() == []
    del stream
    gc.collect()
    assert traced.one().status.status_code is StatusCode.UNSET

    with client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True) as stream:
        next(iter(stream))
    assert len(traced.llm_spans()) == 2


def test_consumer_exception_ends_span(traced, client):
    def consume():
        for _ in client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True):
            raise KeyError("app bug")

    with pytest.raises(KeyError):
        consume()
    gc.collect()
    assert len(traced.llm_spans()) == 1


def test_async_create_and_stream(traced, aclient):
    async def run():
        reply = await aclient.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        stream = await aclient.chat.completions.create(
            model="gpt-4o", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        return reply, text

    reply, text = asyncio.run(run())
    spans = sorted(traced.llm_spans(), key=lambda s: s.start_time)
    assert [s.name for s in spans] == ["chat gpt-4o-mini", "chat gpt-4o"]
    assert spans[0].attributes[attrs.GEN_AI_RESPONSE_ID] == reply.id
    assert content_of(spans[1], attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"][0]["content"] == text
    assert spans[1].attributes[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] > 0


TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "refund_status",
            "description": "Status of a refund",
            "parameters": {"type": "object", "properties": {"order": {"type": "string"}}},
        },
    }
]


@pytest.mark.parametrize("stream", [False, True])
def test_tool_calls_recorded(traced, client, stream):
    result = client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, tools=TOOLS, stream=stream
    )
    if stream:
        list(result)
    span = traced.one()
    assert content_of(span, attrs.GEN_AI_TOOL_DEFINITIONS) == TOOLS
    message = content_of(span, attrs.GEN_AI_OUTPUT_MESSAGES)[0]
    assert message["finish_reason"] == "tool_calls"
    call = next(p for p in message["parts"] if p["type"] == "tool_call")
    assert call["name"] == "refund_status" and call["id"]
    json.loads(call["arguments"])


def test_tool_call_response_in_input(traced, client):
    first = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, tools=TOOLS)
    tool_call = first.choices[0].message.tool_calls[0]
    follow_up = [
        *MESSAGES,
        first.choices[0].message,  # the SDK's own message object, sent back as apps often do
        {"role": "tool", "tool_call_id": tool_call.id, "content": "refunded"},
    ]
    client.chat.completions.create(model="gpt-4o-mini", messages=follow_up, tools=TOOLS)
    span = sorted(traced.llm_spans(), key=lambda s: s.start_time)[1]
    messages = content_of(span, attrs.GEN_AI_INPUT_MESSAGES)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool"]
    assert messages[2]["parts"][0] == {
        "type": "tool_call",
        "id": tool_call.id,
        "name": "refund_status",
        "arguments": tool_call.function.arguments,
    }
    assert messages[3]["parts"] == [
        {"type": "tool_call_response", "id": tool_call.id, "response": "refunded"}
    ]


class Answer(BaseModel):
    days: int
    note: str


def test_parse_records_the_json_schema_the_sdk_sends(traced, client, mock_llm):
    client.chat.completions.parse(model="gpt-4o-mini", messages=MESSAGES, response_format=Answer)
    span = traced.one()
    params = record_of(span)["params"]
    assert params["response_format"]["type"] == "json_schema"
    assert params["response_format"]["json_schema"]["name"] == "Answer"
    sent = mock_llm.requests[-1].body
    client.chat.completions.create(**params)
    assert mock_llm.requests[-1].body == sent


def test_iterator_arguments_reach_the_sdk_intact(traced, client, mock_llm):
    client.chat.completions.create(model="gpt-4o-mini", messages=(m for m in MESSAGES))
    assert mock_llm.requests[-1].json["messages"] == MESSAGES
    assert record_of(traced.one())["params"]["messages"] == MESSAGES


def test_raw_response_keeps_headers_and_parse(traced, client):
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)
    assert raw.headers["content-type"].startswith("application/json")
    completion = raw.parse()
    assert isinstance(completion, openai.types.chat.ChatCompletion)
    span = traced.one()
    assert span.attributes[attrs.GEN_AI_RESPONSE_ID] == completion.id
    assert "extra_headers" not in record_of(span)["params"]


def test_streaming_response_context_manager_and_parse(traced, client):
    with client.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini", messages=MESSAGES
    ) as resp:
        assert resp.headers["content-type"].startswith("application/json")
        completion = resp.parse()
    assert traced.one().attributes[attrs.GEN_AI_RESPONSE_ID] == completion.id

    with client.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    ) as resp:
        chunks = list(resp.parse())
    assert chunks and len(traced.llm_spans()) == 2


def test_provider_error_marks_span_and_reraises_sdk_exception(traced, client):
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, extra_headers={"x-mock-error": "500"}
        )
    assert caught.value.status_code == 500
    span = traced.one()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes[attrs.ERROR_TYPE] == "500"


def test_connection_error_and_timeout(traced, mock_llm):
    dead = openai.OpenAI(api_key="sk", base_url="http://127.0.0.1:9/v1", max_retries=0)
    with pytest.raises(openai.APIConnectionError):
        dead.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    slow = openai.OpenAI(api_key="sk", base_url=mock_llm.url + "/v1", max_retries=0, timeout=0.3)
    with pytest.raises(openai.APITimeoutError):
        slow.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, extra_headers={"x-mock-error": "timeout"}
        )
    types = sorted(s.attributes[attrs.ERROR_TYPE] for s in traced.llm_spans())
    assert types == ["APIConnectionError", "APITimeoutError"]


def test_responses_create_stream_and_helper(traced, client, mock_llm):
    response = client.responses.create(model="gpt-4o-mini", input="Where is my order?", instructions=SYSTEM)
    events = list(client.responses.create(model="gpt-4o-mini", input="Where is my order?", stream=True))
    with client.responses.stream(model="gpt-4o-mini", input="Where is my order?") as stream:
        final = stream.get_final_response()
    spans = sorted(traced.llm_spans(), key=lambda s: s.start_time)
    assert len(spans) == 3 and events
    first, streamed, helper = spans
    assert record_of(first)["api"] == "openai.responses"
    assert first.attributes[attrs.SYSTEM_PROMPT_HASH] == text_hash(SYSTEM)
    assert content_of(first, attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"][0]["content"] == response.output_text
    assert streamed.attributes[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] > 0
    assert helper.attributes[attrs.GEN_AI_RESPONSE_ID] == final.id
    assert record_of(helper)["stream"] is True


def test_async_responses_stream_helper(traced, aclient):
    async def run():
        async with aclient.responses.stream(model="gpt-4o-mini", input="hi") as stream:
            return await stream.get_final_response()

    final = asyncio.run(run())
    assert traced.one().attributes[attrs.GEN_AI_RESPONSE_ID] == final.id


def test_uninstrument_restores_the_original_functions(traced):
    from openai.resources.chat.completions.completions import AsyncCompletions, Completions

    import otel_llm
    from otel_llm.instrumentation import available_instrumentors

    wrapped_create = Completions.__dict__["create"]
    original = wrapped_create.__wrapped__
    async_original = AsyncCompletions.__dict__["create"].__wrapped__
    otel_llm.instrument(tracer_provider=traced.provider)  # idempotent: no second layer
    assert Completions.__dict__["create"] is wrapped_create
    for instrumentor in available_instrumentors():
        instrumentor.uninstrument()
    assert Completions.__dict__["create"] is original
    assert AsyncCompletions.__dict__["create"] is async_original


def test_chat_completions_stream_helper_gives_one_span(traced, client):
    with client.chat.completions.stream(model="gpt-4o-mini", messages=MESSAGES) as stream:
        final = stream.get_final_completion()
    span = traced.one()
    assert span.attributes[attrs.GEN_AI_RESPONSE_ID] == final.id
    assert (
        content_of(span, attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"][0]["content"]
        == final.choices[0].message.content
    )


def test_async_stream_abandoned_ends_span(traced, aclient):
    async def run():
        stream = await aclient.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
        async for _ in stream:
            break
        assert traced.llm_spans() == []
        await stream.close()

    asyncio.run(run())
    gc.collect()
    assert len(traced.llm_spans()) == 1


def test_async_responses_create_and_chat_parse(traced, aclient):
    async def run():
        response = await aclient.responses.create(model="gpt-4o-mini", input="hi", instructions=SYSTEM)
        parsed = await aclient.chat.completions.parse(
            model="gpt-4o-mini", messages=MESSAGES, response_format=Answer
        )
        return response, parsed

    response, parsed = asyncio.run(run())
    ids = {s.attributes[attrs.GEN_AI_RESPONSE_ID] for s in traced.llm_spans()}
    assert ids == {response.id, parsed.id}


def test_error_in_the_middle_of_a_stream_marks_the_span(traced, client):
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, extra_headers={"x-mock-error": "midstream"}
    )
    received = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in stream:
            received.append(chunk)
    span = traced.one()
    assert received and span.status.status_code is StatusCode.ERROR
    assert span.attributes[attrs.ERROR_TYPE] == type(caught.value).__qualname__
