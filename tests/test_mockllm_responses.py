"""The local provider's OpenAI Responses API (``/v1/responses``), driven by the real openai SDK."""

from __future__ import annotations

import asyncio
import json

import openai
import pytest
from openai.types.responses import Response
from pydantic import BaseModel

MODEL = "gpt-4o-mini"
TOOL = {
    "type": "function",
    "name": "lookup_order",
    "description": "Find an order",
    "parameters": {
        "type": "object",
        "properties": {"order_id": {"type": "string"}, "verbose": {"type": "boolean"}},
        "required": ["order_id", "verbose"],
        "additionalProperties": False,
    },
    "strict": True,
}


@pytest.fixture
def client(mock_llm):
    return openai.OpenAI(base_url=mock_llm.url + "/v1", api_key="test-key", max_retries=0)


def test_create_is_deterministic_and_reports_usage(client):
    first = client.responses.create(model=MODEL, input="Describe the release.", instructions="Be brief.")
    second = client.responses.create(model=MODEL, input="Describe the release.", instructions="Be brief.")
    assert first.output_text == second.output_text and len(first.output_text.split()) >= 12
    assert first.status == "completed" and first.model == "gpt-4o-mini-2024-07-18"
    assert first.usage.output_tokens == len(first.output_text.split())
    assert first.usage.total_tokens == first.usage.input_tokens + first.usage.output_tokens
    other = client.responses.create(model=MODEL, input="Describe the release.", instructions="Be long.")
    assert other.output_text != first.output_text
    warmer = client.responses.create(
        model=MODEL, input="Describe the release.", instructions="Be brief.", temperature=0.1
    )
    assert warmer.output_text != first.output_text


def test_stream_helper_gives_the_same_text_and_usage(client):
    plain = client.responses.create(model=MODEL, input=[{"role": "user", "content": "Hello"}])
    with client.responses.stream(model=MODEL, input=[{"role": "user", "content": "Hello"}]) as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == plain.output_text == final.output_text
    assert final.usage == plain.usage


def test_create_stream_event_sequence(client):
    events = list(client.responses.create(model=MODEL, input="Hello", stream=True))
    types = [e.type for e in events]
    assert types[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert types[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_max_output_tokens_makes_an_incomplete_response(client):
    response = client.responses.create(model=MODEL, input="Hello", max_output_tokens=16)
    full = client.responses.create(model=MODEL, input="Hello")
    assert full.usage.output_tokens > 16 and full.status == "completed"
    assert response.status == "incomplete" and response.incomplete_details.reason == "max_output_tokens"
    assert response.usage.output_tokens == 16 and full.output_text.startswith(response.output_text)
    with pytest.raises(openai.BadRequestError, match="max_output_tokens"):
        client.responses.create(model=MODEL, input="Hello", max_output_tokens=5)


def test_function_tool_call_then_answer(client):
    first = client.responses.create(model=MODEL, input="Where is order A-17?", tools=[TOOL])
    [call] = first.output
    assert call.type == "function_call" and call.name == "lookup_order"
    args = json.loads(call.arguments)
    assert "A-17" in args["order_id"] and isinstance(args["verbose"], bool)
    with client.responses.stream(model=MODEL, input="Where is order A-17?", tools=[TOOL]) as stream:
        streamed = stream.get_final_response()
    assert streamed.output[0].arguments == call.arguments
    follow_up = [
        {"role": "user", "content": "Where is order A-17?"},
        {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
        {"type": "function_call_output", "call_id": call.call_id, "output": "shipped"},
    ]
    final = client.responses.create(model=MODEL, input=follow_up, tools=[TOOL])
    assert final.output_text and final.output[0].type == "message"


def test_parse_with_a_pydantic_model(client):
    class Ticket(BaseModel):
        title: str
        priority: int
        labels: list[str]

    parsed = client.responses.parse(model=MODEL, input="File a ticket.", text_format=Ticket)
    assert isinstance(parsed.output_parsed, Ticket) and len(parsed.output_parsed.labels) == 2


def test_async_create_and_stream(mock_llm, client):
    async def run():
        aclient = openai.AsyncOpenAI(base_url=mock_llm.url + "/v1", api_key="k", max_retries=0)
        plain = await aclient.responses.create(model=MODEL, input="Hi")
        async with aclient.responses.stream(model=MODEL, input="Hi") as stream:
            final = await stream.get_final_response()
        await aclient.close()
        return plain.output_text, final.output_text

    plain_text, streamed = asyncio.run(run())
    assert plain_text == streamed == client.responses.create(model=MODEL, input="Hi").output_text


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"input": "hi"}, "model"),
        ({"model": MODEL}, "input"),
        ({"model": MODEL, "input": "hi", "temperature": 5}, "temperature"),
        ({"model": MODEL, "input": [{"type": "function_call_output", "call_id": "c9", "output": "x"}]}, "c9"),
    ],
)
def test_invalid_requests_raise_bad_request(client, body, fragment):
    with pytest.raises(openai.BadRequestError) as caught:
        client.post("/responses", body=body, cast_to=Response)
    assert fragment in caught.value.message


def test_injected_errors_and_midstream_failure(client):
    with pytest.raises(openai.RateLimitError):
        client.responses.create(model=MODEL, input="Hi [[mock:error=429]]")
    with pytest.raises(openai.InternalServerError):
        client.responses.create(model=MODEL, input="Hi", extra_headers={"x-mock-error": "500"})
    with pytest.raises(openai.APIError, match="interrupted"):
        list(
            client.responses.create(
                model=MODEL, input="Hi", stream=True, extra_headers={"x-mock-error": "midstream"}
            )
        )


def test_automatic_prompt_caching_for_long_instructions(client):
    instructions = "You answer questions about invoices, briefly and exactly. " * 90
    first = client.responses.create(model=MODEL, input="Total?", instructions=instructions).usage
    second = client.responses.create(model=MODEL, input="Total?", instructions=instructions).usage
    assert first.input_tokens_details.cached_tokens == 0
    assert 1024 <= second.input_tokens_details.cached_tokens <= second.input_tokens
