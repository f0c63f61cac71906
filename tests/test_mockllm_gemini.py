"""The local provider's Gemini endpoint, driven by the real google-genai SDK over HTTP."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from google import genai
from google.genai import errors, types

MODEL = "gemini-2.5-flash"
HELLO = "Say hello to the team."
WEATHER = types.Tool(
    function_declarations=[
        types.FunctionDeclaration(
            name="get_weather",
            description="Weather for a city",
            parameters={"type": "OBJECT", "properties": {"city": {"type": "STRING"}}, "required": ["city"]},
        )
    ]
)


@pytest.fixture
def client(mock_llm):
    return genai.Client(api_key="test-key", http_options=types.HttpOptions(base_url=mock_llm.url))


def _generate(client, contents=HELLO, model=MODEL, **config) -> types.GenerateContentResponse:
    return client.models.generate_content(
        model=model, contents=contents, config=types.GenerateContentConfig(**config) if config else None
    )


def test_same_request_same_answer_other_params_other_answer(client, mock_llm):
    first = _generate(client)
    assert first.text == _generate(client).text
    assert first.model_version == MODEL and first.response_id
    assert first.candidates[0].finish_reason == types.FinishReason.STOP
    assert _generate(client, temperature=0.2).text != first.text
    assert _generate(client, model="gemini-2.0-flash").text != first.text
    assert _generate(client, system_instruction="Be terse.").text != first.text
    assert mock_llm.requests[-1].path.endswith(f"/models/{MODEL}:generateContent")


def test_stream_matches_plain_answer_and_usage(client):
    plain = _generate(client, system_instruction="Be kind.")
    config = types.GenerateContentConfig(system_instruction="Be kind.")
    chunks = list(client.models.generate_content_stream(model=MODEL, contents=HELLO, config=config))
    assert len(chunks) > 3
    assert "".join(c.text or "" for c in chunks) == plain.text
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    final, usage = chunks[-1].usage_metadata, plain.usage_metadata
    assert (final.prompt_token_count, final.candidates_token_count) == (
        usage.prompt_token_count,
        usage.candidates_token_count,
    )


def test_async_client(mock_llm):
    client = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=mock_llm.url))

    async def run():
        reply = await client.aio.models.generate_content(model=MODEL, contents=HELLO)
        streamed = [
            c async for c in await client.aio.models.generate_content_stream(model=MODEL, contents=HELLO)
        ]
        return reply, "".join(c.text or "" for c in streamed)

    reply, text = asyncio.run(run())
    assert reply.text == text


def test_usage_counts_thinking_apart_and_budget_zero_turns_it_off(client):
    usage = _generate(client).usage_metadata
    assert usage.thoughts_token_count > 0
    assert usage.total_token_count == (
        usage.prompt_token_count + usage.candidates_token_count + usage.thoughts_token_count
    )
    off = _generate(client, thinking_config=types.ThinkingConfig(thinking_budget=0)).usage_metadata
    assert off.thoughts_token_count is None
    assert _generate(client, model="gemini-2.0-flash").usage_metadata.thoughts_token_count is None
    capped = _generate(client, thinking_config=types.ThinkingConfig(thinking_budget=10)).usage_metadata
    assert capped.thoughts_token_count == 10
    with pytest.raises(errors.ClientError, match="only works in thinking mode"):
        _generate(client, model="gemini-2.5-pro", thinking_config=types.ThinkingConfig(thinking_budget=0))


def test_thought_summaries_only_when_asked(client):
    parts = (
        _generate(client, thinking_config=types.ThinkingConfig(include_thoughts=True))
        .candidates[0]
        .content.parts
    )
    assert [bool(p.thought) for p in parts] == [True, False]
    assert [bool(p.thought) for p in _generate(client).candidates[0].content.parts] == [False]


def test_thoughts_count_against_max_output_tokens(client):
    reply = _generate(client, max_output_tokens=5)
    assert reply.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    assert reply.usage_metadata.thoughts_token_count == 5 and not reply.text
    reply = _generate(client, model="gemini-2.0-flash", max_output_tokens=5)
    assert reply.usage_metadata.candidates_token_count == 5
    assert reply.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS


def test_repeated_long_prefix_is_read_from_the_implicit_cache(client):
    policy = "Refunds are processed within five business days of approval. " * 120
    turn = types.Content(
        role="user", parts=[types.Part(text=policy)]
    )  # a turn of its own: a cacheable prefix
    first = _generate(client, contents=[turn, "First question?"]).usage_metadata
    second = _generate(client, contents=[turn, "Other?"])
    assert first.cached_content_token_count is None
    usage = second.usage_metadata
    assert 1024 <= usage.cached_content_token_count < usage.prompt_token_count
    short = _generate(client, contents="Short.").usage_metadata
    assert _generate(client, contents="Short.").usage_metadata.cached_content_token_count is None
    assert short.prompt_token_count < 1024


def test_function_call_then_answer_after_the_function_response(client):
    reply = _generate(client, contents="Weather in Paris?", tools=[WEATHER])
    (call,) = reply.function_calls
    assert call.name == "get_weather" and set(call.args) == {"city"} and call.id is None
    answer = types.Part.from_function_response(name="get_weather", response={"result": "Sunny"})
    contents = ["Weather in Paris?", reply.candidates[0].content, types.Content(role="user", parts=[answer])]
    follow_up = _generate(client, contents=contents, tools=[WEATHER])
    assert follow_up.function_calls is None and follow_up.text


def test_tool_config_modes(client):
    none = types.ToolConfig(function_calling_config=types.FunctionCallingConfig(mode="NONE"))
    assert _generate(client, tools=[WEATHER], tool_config=none).function_calls is None
    answer = types.Part.from_function_response(name="get_weather", response={"result": "Sunny"})
    first = _generate(client, contents="Weather?", tools=[WEATHER])
    contents = ["Weather?", first.candidates[0].content, types.Content(role="user", parts=[answer])]
    forced = types.ToolConfig(function_calling_config=types.FunctionCallingConfig(mode="ANY"))
    assert _generate(client, contents=contents, tools=[WEATHER], tool_config=forced).function_calls


def test_streamed_function_call(client):
    config = types.GenerateContentConfig(tools=[WEATHER])
    chunks = list(
        client.models.generate_content_stream(model=MODEL, contents="Weather in Oslo?", config=config)
    )
    calls = [fc for c in chunks for fc in c.function_calls or ()]
    assert [fc.name for fc in calls] == ["get_weather"]


def test_json_output_follows_the_schema(client):
    schema = {"type": "object", "properties": {"score": {"type": "integer", "minimum": 1, "maximum": 5}}}
    reply = _generate(client, response_mime_type="application/json", response_json_schema=schema)
    assert 1 <= json.loads(reply.text)["score"] <= 5


def test_stop_sequences_and_candidate_count(client):
    plain = _generate(client, model="gemini-2.0-flash").text
    word = plain.split()[3]
    cut = _generate(client, model="gemini-2.0-flash", stop_sequences=[" " + word])
    assert plain.startswith(cut.text) and len(cut.text) < len(plain)
    several = _generate(client, model="gemini-2.0-flash", candidate_count=3)
    assert [c.index for c in several.candidates] == [0, 1, 2]
    assert len({c.content.parts[0].text for c in several.candidates}) == 3


def test_errors_in_googles_shape(client, mock_llm):
    with pytest.raises(errors.ClientError) as raised:
        _generate(client, temperature=3.0)
    assert raised.value.code == 400 and raised.value.status == "INVALID_ARGUMENT"
    assert "temperature" in raised.value.message
    answer = types.Part.from_function_response(name="get_weather", response={"result": "Sunny"})
    with pytest.raises(errors.ClientError, match="function response turn comes immediately after"):
        _generate(client, contents=[types.Content(role="user", parts=[answer])])
    with pytest.raises(errors.ClientError) as raised:
        _generate(client, model="gpt-4o")
    assert raised.value.code == 404 and raised.value.status == "NOT_FOUND"
    with pytest.raises(errors.ClientError) as raised:
        _generate(client, http_options=types.HttpOptions(headers={"x-mock-error": "429"}))
    assert raised.value.status == "RESOURCE_EXHAUSTED"
    with pytest.raises(errors.ServerError) as raised:
        _generate(client, contents="Hi [[mock:error=503]]")
    assert raised.value.status == "UNAVAILABLE"
    unauthenticated = httpx.post(
        f"{mock_llm.url}/v1beta/models/{MODEL}:generateContent", json={"contents": []}
    )
    assert unauthenticated.status_code == 403
    assert unauthenticated.json()["error"]["status"] == "PERMISSION_DENIED"


def test_error_in_the_middle_of_a_stream(client):
    received = []
    with pytest.raises(errors.ServerError, match="Stream interrupted"):
        for chunk in client.models.generate_content_stream(
            model=MODEL, contents="Hi [[mock:error=midstream]]"
        ):
            received.append(chunk)
    assert len(received) == 3


def test_json_array_stream_without_sse(mock_llm):
    url = f"{mock_llm.url}/v1beta/models/gemini-2.0-flash:streamGenerateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": HELLO}]}]}
    reply = httpx.post(url, json=body, headers={"x-goog-api-key": "test"})
    chunks = reply.json()
    assert reply.status_code == 200 and isinstance(chunks, list) and len(chunks) > 3
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    assert chunks[-1]["usageMetadata"]["candidatesTokenCount"] == len(chunks)


def test_vertex_express_paths(mock_llm):
    vertex = genai.Client(vertexai=True, api_key="k", http_options=types.HttpOptions(base_url=mock_llm.url))
    assert vertex.models.generate_content(model=MODEL, contents=HELLO).text
    assert "/publishers/google/models/" in mock_llm.requests[-1].path
