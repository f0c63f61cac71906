"""The local provider's Anthropic endpoint, driven by the real anthropic SDK over HTTP."""

from __future__ import annotations

import asyncio

import anthropic
import pytest
from anthropic.types import Message

MODEL = "claude-haiku-4-5"
HELLO = [{"role": "user", "content": "Say hello to the team."}]
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
LONG_SYSTEM = "You are a careful assistant for the otel-llm project. " * 40


@pytest.fixture
def client(mock_llm):
    return anthropic.Anthropic(base_url=mock_llm.url, api_key="test-key", max_retries=0)


@pytest.fixture
def aclient(mock_llm):
    return anthropic.AsyncAnthropic(base_url=mock_llm.url, api_key="test-key", max_retries=0)


def _create(client, **kwargs) -> Message:
    return client.messages.create(**{"model": MODEL, "max_tokens": 200, "messages": HELLO, **kwargs})


def test_same_request_same_answer_other_params_other_answer(client):
    first = _create(client)
    assert first.content[0].text == _create(client).content[0].text
    assert first.model == MODEL and first.stop_reason == "end_turn" and first.id.startswith("msg_")
    # anthropic 2.x's create() has no temperature argument; the API field still exists
    assert _create(client, extra_body={"temperature": 0.3}).content[0].text != first.content[0].text
    assert _create(client, model="claude-sonnet-4-6").content[0].text != first.content[0].text
    assert _create(client, system="Be terse.").content[0].text != first.content[0].text
    assert first.usage.output_tokens == len(first.content[0].text.split())


def test_stream_matches_plain_answer_and_usage(client):
    plain = _create(client, system="Be kind.")
    with client.messages.stream(model=MODEL, max_tokens=200, system="Be kind.", messages=HELLO) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == plain.content[0].text
    assert final.usage.input_tokens == plain.usage.input_tokens
    assert final.usage.output_tokens == plain.usage.output_tokens
    events = [
        e.type for e in client.messages.create(model=MODEL, max_tokens=200, messages=HELLO, stream=True)
    ]
    assert events[:2] == ["message_start", "content_block_start"]
    assert events[-3:] == ["content_block_stop", "message_delta", "message_stop"]


def test_max_tokens_and_stop_sequences(client):
    short = _create(client, max_tokens=4)
    assert short.stop_reason == "max_tokens" and short.usage.output_tokens == 4
    full = _create(client).content[0].text
    word = full.split()[2]
    stopped = _create(client, stop_sequences=[" " + word])
    assert stopped.stop_reason == "stop_sequence" and stopped.stop_sequence == " " + word
    assert full.startswith(stopped.content[0].text)


def test_tools_give_tool_use_then_text_after_the_result(client):
    messages = [{"role": "user", "content": "Weather in Lisbon?"}]
    first = _create(client, messages=messages, tools=[WEATHER_TOOL])
    assert first.stop_reason == "tool_use"
    use = first.content[-1]
    assert use.type == "tool_use" and use.name == "get_weather" and "Lisbon" in use.input["city"]
    with client.messages.stream(
        model=MODEL, max_tokens=200, messages=messages, tools=[WEATHER_TOOL]
    ) as stream:
        streamed = stream.get_final_message()
    assert streamed.content[-1].input == use.input
    follow_up = [
        *messages,
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "21C"}]},
    ]
    final = _create(client, messages=follow_up, tools=[WEATHER_TOOL])
    assert final.stop_reason == "end_turn" and final.content[0].type == "text"
    forced = _create(
        client, messages=messages, tools=[WEATHER_TOOL], tool_choice={"type": "tool", "name": "get_weather"}
    )
    assert [b.type for b in forced.content] == ["tool_use"]


def test_cache_control_writes_then_reads_the_prefix(client):
    system = [{"type": "text", "text": LONG_SYSTEM, "cache_control": {"type": "ephemeral"}}]
    uncached = _create(client, system=LONG_SYSTEM)
    first = _create(client, system=system)
    second = _create(client, system=system)
    total = uncached.usage.input_tokens
    assert uncached.usage.cache_creation_input_tokens == 0 and uncached.usage.cache_read_input_tokens == 0
    assert first.usage.cache_creation_input_tokens > 0 and first.usage.cache_read_input_tokens == 0
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    assert second.usage.cache_creation_input_tokens == 0
    for usage in (first.usage, second.usage):  # input_tokens excludes cache reads and writes
        assert usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens == total
    assert first.content[0].text == uncached.content[0].text  # caching does not change the answer
    other_question = [{"role": "user", "content": "And goodbye?"}]
    third = _create(client, system=system, messages=other_question)
    assert third.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens


def test_stream_reports_cache_usage(client):
    system = [{"type": "text", "text": LONG_SYSTEM + " streamed", "cache_control": {"type": "ephemeral"}}]
    with client.messages.stream(model=MODEL, max_tokens=50, system=system, messages=HELLO) as stream:
        first = stream.get_final_message()
    with client.messages.stream(model=MODEL, max_tokens=50, system=system, messages=HELLO) as stream:
        second = stream.get_final_message()
    assert first.usage.cache_creation_input_tokens > 0
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens


def test_async_create_and_stream(aclient, client):
    async def run():
        plain = await aclient.messages.create(model=MODEL, max_tokens=200, messages=HELLO)
        async with aclient.messages.stream(model=MODEL, max_tokens=200, messages=HELLO) as stream:
            text = "".join([t async for t in stream.text_stream])
        await aclient.close()
        return plain.content[0].text, text

    plain_text, streamed = asyncio.run(run())
    assert plain_text == streamed == _create(client).content[0].text


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"model": MODEL, "messages": HELLO}, "max_tokens: Field required"),
        ({"max_tokens": 10, "messages": HELLO}, "model: Field required"),
        (
            {"model": MODEL, "max_tokens": 10, "messages": [{"role": "system", "content": "x"}, *HELLO]},
            "system",
        ),
        ({"model": MODEL, "max_tokens": 10, "messages": [*HELLO, *HELLO]}, "alternate"),
        (
            {"model": MODEL, "max_tokens": 10, "messages": [{"role": "assistant", "content": "x"}]},
            "first message",
        ),
        ({"model": MODEL, "max_tokens": 10, "messages": HELLO, "temperature": 1.5}, "temperature"),
        (
            {
                "model": MODEL,
                "max_tokens": 10,
                "messages": [
                    {
                        "role": "user",
                        "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "x"}],
                    }
                ],
            },
            "tool_use_id",
        ),
    ],
)
def test_invalid_requests_raise_bad_request(client, body, fragment):
    # the SDK's own low-level post, since create() refuses to send a request without model/max_tokens
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.post("/v1/messages", body=body, cast_to=Message)
    assert fragment in caught.value.message
    assert caught.value.body["error"]["type"] == "invalid_request_error"


def test_missing_api_key_is_401(mock_llm):
    client = anthropic.Anthropic(base_url=mock_llm.url, api_key="k", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError):
        client.messages.create(
            model=MODEL,
            max_tokens=10,
            messages=HELLO,
            extra_headers={"x-api-key": anthropic.Omit(), "authorization": anthropic.Omit()},
        )


@pytest.mark.parametrize(
    "error, exception",
    [
        ("429", anthropic.RateLimitError),
        ("500", anthropic.InternalServerError),
        ("503", anthropic.InternalServerError),
        ("529", anthropic.OverloadedError),
        ("400", anthropic.BadRequestError),
    ],
)
def test_injected_errors_raise_the_sdk_exceptions(client, error, exception):
    with pytest.raises(exception):
        _create(client, extra_headers={"x-mock-error": error})
    token = [{"role": "user", "content": [{"type": "text", "text": f"Hi [[mock:error={error}]]"}]}]
    with pytest.raises(exception):
        _create(client, messages=token)


def test_midstream_error_raises_while_iterating(client):
    received = []
    with pytest.raises(anthropic.APIStatusError, match="interrupted"):
        for event in _create(client, stream=True, extra_headers={"x-mock-error": "midstream"}):
            received.append(event.type)
    assert received[0] == "message_start" and "message_stop" not in received


def test_injected_timeout_raises_api_timeout(mock_llm):
    client = anthropic.Anthropic(base_url=mock_llm.url, api_key="k", max_retries=0, timeout=0.3)
    with pytest.raises(anthropic.APITimeoutError):
        _create(client, messages=[{"role": "user", "content": "slow [[mock:error=timeout]]"}])


def test_top_level_cache_control_caches_the_whole_prompt(client):
    messages = [{"role": "user", "content": "Summarise this. " + LONG_SYSTEM}]
    first = _create(client, messages=messages, cache_control={"type": "ephemeral"})
    second = _create(client, messages=messages, cache_control={"type": "ephemeral"})
    assert first.usage.cache_creation_input_tokens > 0 and first.usage.input_tokens == 0
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens


def test_messages_parse_returns_the_pydantic_model(client, mock_llm):
    from pydantic import BaseModel

    class Answer(BaseModel):
        summary: str
        confidence: float
        sources: list[str]

    parsed = client.messages.parse(model=MODEL, max_tokens=400, messages=HELLO, output_format=Answer)
    assert isinstance(parsed.parsed_output, Answer) and len(parsed.parsed_output.sources) == 2
    assert mock_llm.requests[-1].json["output_config"]["format"]["type"] == "json_schema"


def test_count_tokens_matches_the_uncached_input_usage(client):
    counted = client.messages.count_tokens(model=MODEL, system="Be kind.", messages=HELLO)
    assert counted.input_tokens == _create(client, system="Be kind.").usage.input_tokens
