"""The local provider's OpenAI endpoints, driven by the real openai SDK over HTTP."""

from __future__ import annotations

import asyncio
import json

import openai
import pytest
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

MODEL = "gpt-4o-mini"
HELLO = [{"role": "user", "content": "Say hello to the team."}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["city", "days"],
        },
    },
}


@pytest.fixture
def client(mock_llm):
    return openai.OpenAI(base_url=mock_llm.url + "/v1", api_key="test-key", max_retries=0)


@pytest.fixture
def aclient(mock_llm):
    return openai.AsyncOpenAI(base_url=mock_llm.url + "/v1", api_key="test-key", max_retries=0)


def _text(client, **kwargs) -> str:
    params = {"model": MODEL, "messages": HELLO, **kwargs}
    return client.chat.completions.create(**params).choices[0].message.content


def test_same_request_same_answer_and_dated_model(client):
    first = client.chat.completions.create(model=MODEL, messages=HELLO)
    second = client.chat.completions.create(model=MODEL, messages=HELLO)
    assert first.choices[0].message.content == second.choices[0].message.content
    assert len(first.choices[0].message.content.split()) >= 12
    assert first.id != second.id
    assert first.model == "gpt-4o-mini-2024-07-18"
    assert first.choices[0].finish_reason == "stop"


def test_temperature_model_and_system_prompt_change_the_answer(client):
    base = _text(client)
    assert _text(client, temperature=0.2) != base
    assert _text(client, model="gpt-4.1") != base
    system = [{"role": "system", "content": "Be terse."}, *HELLO]
    assert _text(client, messages=system) != base
    assert _text(client, temperature=1) == base  # 1 is the API's default temperature


def test_usage_is_consistent_between_stream_and_not(client):
    plain = client.chat.completions.create(model=MODEL, messages=HELLO)
    stream = client.chat.completions.create(
        model=MODEL, messages=HELLO, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert chunks[-1].choices == [] and chunks[-1].usage == plain.usage
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert plain.usage.completion_tokens == len(text.split())
    assert plain.usage.total_tokens == plain.usage.prompt_tokens + plain.usage.completion_tokens
    longer = [{"role": "user", "content": "Say hello to the team. " * 20}]
    assert (
        client.chat.completions.create(model=MODEL, messages=longer).usage.prompt_tokens
        > plain.usage.prompt_tokens
    )


def test_stream_without_include_usage_has_no_usage_chunk(client):
    chunks = list(client.chat.completions.create(model=MODEL, messages=HELLO, stream=True))
    assert all(c.usage is None for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"


def test_max_tokens_bounds_the_answer(client):
    response = client.chat.completions.create(model=MODEL, messages=HELLO, max_completion_tokens=5)
    assert response.choices[0].finish_reason == "length"
    assert response.usage.completion_tokens == 5
    assert len(response.choices[0].message.content.split()) == 5


def test_stop_sequence_cuts_the_answer(client):
    full = _text(client)
    word = full.split()[3]
    cut = _text(client, stop=[" " + word])
    assert full.startswith(cut) and len(cut) < len(full)


def test_tools_answer_with_a_deterministic_tool_call_then_text(client):
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    response = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    call = choice.message.tool_calls[0]
    args = json.loads(call.function.arguments)
    assert call.function.name == "get_weather" and "Paris" in args["city"] and 1 <= args["days"] <= 7
    again = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
    assert again.choices[0].message.tool_calls[0].function.arguments == call.function.arguments
    follow_up = [
        *messages,
        choice.message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "18C, sunny"},
    ]
    final = client.chat.completions.create(model=MODEL, messages=follow_up, tools=[WEATHER_TOOL])
    assert final.choices[0].finish_reason == "stop" and final.choices[0].message.content
    no_tool = client.chat.completions.create(
        model=MODEL, messages=messages, tools=[WEATHER_TOOL], tool_choice="none"
    )
    assert no_tool.choices[0].message.tool_calls is None


def test_streamed_tool_call_matches_the_plain_one(client):
    messages = [{"role": "user", "content": "Weather in Oslo?"}]
    plain = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
    stream = client.chat.completions.create(
        model=MODEL,
        messages=messages,
        tools=[WEATHER_TOOL],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    arguments = "".join(
        c.choices[0].delta.tool_calls[0].function.arguments
        for c in chunks
        if c.choices and c.choices[0].delta.tool_calls
    )
    assert arguments == plain.choices[0].message.tool_calls[0].function.arguments
    assert chunks[-1].usage == plain.usage


def test_chat_completions_stream_helper_and_parse(client):
    class City(BaseModel):
        name: str
        population: int
        coastal: bool
        districts: list[str]

    parsed = client.chat.completions.parse(model=MODEL, messages=HELLO, response_format=City)
    city = parsed.choices[0].message.parsed
    assert isinstance(city, City) and len(city.districts) == 2
    with client.chat.completions.stream(model=MODEL, messages=HELLO) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.content == _text(client)


def test_async_client_create_and_stream(aclient, client):
    async def run():
        plain = await aclient.chat.completions.create(model=MODEL, messages=HELLO)
        stream = await aclient.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
        text = "".join([c.choices[0].delta.content or "" async for c in stream])
        await aclient.close()
        return plain.choices[0].message.content, text

    plain_text, streamed = asyncio.run(run())
    assert plain_text == streamed == _text(client)


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"messages": HELLO}, "model"),
        ({"model": MODEL}, "messages"),
        ({"model": MODEL, "messages": []}, "empty array"),
        ({"model": MODEL, "messages": HELLO, "temperature": 3}, "temperature"),
        ({"model": MODEL, "messages": [{"role": "robot", "content": "hi"}]}, "robot"),
        (
            {"model": MODEL, "messages": [*HELLO, {"role": "tool", "tool_call_id": "x", "content": "1"}]},
            "tool",
        ),
    ],
)
def test_invalid_requests_raise_bad_request(client, params, fragment):
    # the SDK's own low-level post, since create() refuses to send a request without model/messages
    with pytest.raises(openai.BadRequestError) as caught:
        client.post("/chat/completions", body=params, cast_to=ChatCompletion)
    assert fragment in caught.value.message
    assert caught.value.body["type"] == "invalid_request_error"


def test_missing_api_key_is_401(mock_llm, client):
    import httpx

    response = httpx.post(mock_llm.url + "/v1/chat/completions", json={"model": MODEL, "messages": HELLO})
    assert response.status_code == 401
    assert "API key" in response.json()["error"]["message"]


def test_unknown_path_is_404(client):
    with pytest.raises(openai.NotFoundError):
        client.images.generate(model="gpt-image-1", prompt="x")


def test_embeddings_are_deterministic_unit_vectors(client):
    first = client.embeddings.create(model="text-embedding-3-small", input=["refunds", "shipping"])
    again = client.embeddings.create(model="text-embedding-3-small", input="refunds", encoding_format="float")
    short = client.embeddings.create(model="text-embedding-3-small", input="refunds", dimensions=64)
    assert [len(d.embedding) for d in first.data] == [1536, 1536]
    assert again.data[0].embedding == first.data[0].embedding != first.data[1].embedding
    assert sum(v * v for v in short.data[0].embedding) == pytest.approx(1.0, abs=1e-3)
    assert first.usage.prompt_tokens == first.usage.total_tokens == 4


def test_legacy_completion_plain_and_streamed_agree(client):
    plain = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi", max_tokens=8)
    chunks = list(
        client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi", max_tokens=8, stream=True)
    )
    assert "".join(c.choices[0].text for c in chunks) == plain.choices[0].text
    assert plain.choices[0].finish_reason == chunks[-1].choices[0].finish_reason == "length"
    assert plain.usage.completion_tokens == 8


@pytest.mark.parametrize(
    "error, exception",
    [
        ("429", openai.RateLimitError),
        ("500", openai.InternalServerError),
        ("503", openai.InternalServerError),
        ("400", openai.BadRequestError),
    ],
)
def test_injected_errors_by_header_raise_the_sdk_exceptions(client, error, exception):
    with pytest.raises(exception) as caught:
        client.chat.completions.create(model=MODEL, messages=HELLO, extra_headers={"x-mock-error": error})
    if error == "429":
        assert caught.value.response.headers["retry-after"] == "1"


def test_injected_error_by_message_token(client, mock_llm):
    messages = [{"role": "user", "content": "Hello [[mock:error=429]]"}]
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model=MODEL, messages=messages)
    assert len(mock_llm.requests) == 1  # max_retries=0: one attempt, recorded


def test_injected_timeout_raises_api_timeout(mock_llm):
    client = openai.OpenAI(base_url=mock_llm.url + "/v1", api_key="k", max_retries=0, timeout=0.3)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model=MODEL, messages=HELLO, extra_headers={"x-mock-error": "timeout"})


def test_midstream_error_raises_while_iterating(client):
    stream = client.chat.completions.create(
        model=MODEL, messages=HELLO, stream=True, extra_headers={"x-mock-error": "midstream"}
    )
    received = []
    with pytest.raises(openai.APIError, match="interrupted"):
        for chunk in stream:
            received.append(chunk)
    assert len(received) == 3


def test_parse_handles_nested_optional_enum_and_date_fields(client):
    import datetime
    import enum
    from typing import Literal

    class Level(enum.Enum):
        LOW = "low"
        HIGH = "high"

    class Step(BaseModel):
        order: int
        note: str | None

    class Plan(BaseModel):
        kind: Literal["fix", "feature"]
        level: Level
        due: datetime.date
        steps: list[Step]
        owner: str | None

    plan = (
        client.chat.completions.parse(model=MODEL, messages=HELLO, response_format=Plan)
        .choices[0]
        .message.parsed
    )
    assert isinstance(plan, Plan) and len(plan.steps) == 2 and isinstance(plan.steps[0], Step)


def test_automatic_prompt_caching_for_long_prompts(client, mock_llm):
    long_system = {"role": "system", "content": "You review pull requests for the otel-llm project. " * 100}
    messages = [long_system, *HELLO]
    first = client.chat.completions.create(model=MODEL, messages=messages).usage
    second = client.chat.completions.create(model=MODEL, messages=messages).usage
    other_question = client.chat.completions.create(
        model=MODEL, messages=[long_system, HELLO[0] | {"content": "Bye"}]
    )
    assert first.prompt_tokens >= 1024 and first.prompt_tokens_details.cached_tokens == 0
    cached = second.prompt_tokens_details.cached_tokens
    assert 1024 <= cached <= second.prompt_tokens and (cached - 1024) % 128 == 0
    assert 1024 <= other_question.usage.prompt_tokens_details.cached_tokens < cached + 128
    assert (
        client.chat.completions.create(model=MODEL, messages=HELLO).usage.prompt_tokens_details.cached_tokens
        == 0
    )
    mock_llm.reset()
    assert (
        client.chat.completions.create(
            model=MODEL, messages=messages
        ).usage.prompt_tokens_details.cached_tokens
        == 0
    )


def test_tool_arguments_take_the_user_text_into_the_first_string_field(client):
    tool = {
        "type": "function",
        "function": {
            "name": "search",
            "parameters": {
                "type": "object",
                "properties": {
                    "limit": {"type": "integer"},
                    "query": {"type": "string"},
                    "lang": {"type": "string"},
                },
            },
        },
    }
    messages = [{"role": "user", "content": "  cheap   flights to Rome [[mock:latency=0]]"}]
    response = client.chat.completions.create(model=MODEL, messages=messages, tools=[tool])
    args = json.loads(response.choices[0].message.tool_calls[0].function.arguments)
    assert args["query"] == "cheap flights to Rome" and args["lang"] != args["query"]
    assert isinstance(args["limit"], int)


def test_parse_respects_field_constraints(client):
    from pydantic import Field

    class Review(BaseModel):
        score: int = Field(ge=90, le=95)
        ratio: float = Field(gt=0, lt=1)
        code: str = Field(min_length=30, max_length=32)

    review = client.chat.completions.parse(model=MODEL, messages=HELLO, response_format=Review)
    assert isinstance(review.choices[0].message.parsed, Review)
