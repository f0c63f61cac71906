"""The real google-genai SDK over HTTP against the local provider, observed through our instrumentation."""

from __future__ import annotations

import asyncio
import gc
import json

import pytest
from google import genai
from google.genai import errors, types
from opentelemetry.trace import StatusCode

from otel_llm import attributes as attrs
from otel_llm import settings
from otel_llm.hashing import text_hash
from otel_llm.instrumentation import set_redactor
from otel_llm.instrumentation.common import content
from otel_llm.storage.normalize import from_readable, to_row
from tests import instrumentation_support
from tests.instrumentation_support import SYSTEM, content_of, record_of

traced = instrumentation_support.traced  # fixture

MODEL = "gemini-2.5-flash"
QUESTION = "How long do refunds take?"
WEATHER = types.FunctionDeclaration(
    name="get_weather",
    description="Weather for a city",
    parameters_json_schema={
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
)


def get_weather(city: str) -> str:
    """Weather for a city."""
    return f"Sunny in {city}"


def make_client(mock_llm, **options) -> genai.Client:
    return genai.Client(
        api_key="AIza-gemini-secret", http_options=types.HttpOptions(base_url=mock_llm.url), **options
    )


@pytest.fixture
def client(mock_llm, traced):
    return make_client(mock_llm)


def config(**fields) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(system_instruction=SYSTEM, **fields)


def test_generate_content_one_span_with_attributes_and_a_record_that_resends_the_same_body(
    traced, client, mock_llm
):
    reply = client.models.generate_content(
        model="models/" + MODEL,
        contents=QUESTION,
        config=config(temperature=0.4, top_p=0.9, max_output_tokens=200, stop_sequences=["END"], seed=7),
    )
    span = traced.one()
    a = span.attributes
    assert span.name == f"generate_content {MODEL}"
    assert (a[attrs.GEN_AI_PROVIDER_NAME], a[attrs.GEN_AI_OPERATION_NAME]) == (
        "gcp.gemini",
        "generate_content",
    )
    assert a[attrs.GEN_AI_REQUEST_MODEL] == MODEL and a[attrs.GEN_AI_RESPONSE_MODEL] == reply.model_version
    assert (a[attrs.GEN_AI_REQUEST_TEMPERATURE], a[attrs.GEN_AI_REQUEST_TOP_P]) == (0.4, 0.9)
    assert (a[attrs.GEN_AI_REQUEST_MAX_TOKENS], a[attrs.GEN_AI_REQUEST_SEED]) == (200, 7)
    assert list(a[attrs.GEN_AI_REQUEST_STOP_SEQUENCES]) == ["END"]
    assert a[attrs.GEN_AI_RESPONSE_ID] == reply.response_id
    assert list(a[attrs.GEN_AI_RESPONSE_FINISH_REASONS]) == ["stop"]
    assert a[attrs.SYSTEM_PROMPT_HASH] == text_hash(SYSTEM)
    assert content_of(span, attrs.GEN_AI_SYSTEM_INSTRUCTIONS) == [{"type": "text", "content": SYSTEM}]
    assert content_of(span, attrs.GEN_AI_INPUT_MESSAGES) == [
        {"role": "user", "parts": [{"type": "text", "content": QUESTION}]}
    ]
    output = content_of(span, attrs.GEN_AI_OUTPUT_MESSAGES)
    assert output[0]["parts"][-1] == {"type": "text", "content": reply.text}
    record = record_of(span)
    assert record["api"] == "google.genai.models.generate_content" and record["stream"] is False
    assert "AIza-gemini-secret" not in json.dumps(dict(a))
    sent = mock_llm.requests[-1].body
    client.models.generate_content(**record["params"])
    assert mock_llm.requests[-1].body == sent


def test_thinking_tokens_are_output_tokens_and_reported_apart(traced, client):
    reply = client.models.generate_content(model=MODEL, contents=QUESTION)
    usage = reply.usage_metadata
    assert usage.thoughts_token_count > 0  # 2.5 models think unless told not to
    a = traced.one().attributes
    assert a[attrs.GEN_AI_USAGE_INPUT_TOKENS] == usage.prompt_token_count
    assert a[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] == usage.candidates_token_count + usage.thoughts_token_count
    assert a[attrs.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] == usage.thoughts_token_count


def test_thought_summaries_are_captured_as_reasoning(traced, client):
    thinking = types.ThinkingConfig(include_thoughts=True, thinking_budget=40)
    reply = client.models.generate_content(
        model=MODEL, contents=QUESTION, config=config(thinking_config=thinking)
    )
    parts = content_of(traced.one(), attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"]
    assert [p["type"] for p in parts] == ["reasoning", "text"]
    assert parts[1]["content"] == reply.text and parts[0]["content"] != reply.text


def test_cached_prompt_tokens_are_cache_reads_within_the_input_total(traced, client):
    policy = "Refunds are processed within five business days of approval. " * 120
    for _ in range(2):
        reply = client.models.generate_content(model=MODEL, contents=[policy, QUESTION])
    second = sorted(traced.llm_spans(), key=lambda s: s.start_time)[1].attributes
    usage = reply.usage_metadata
    assert usage.cached_content_token_count > 0
    assert second[attrs.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] == usage.cached_content_token_count
    assert second[attrs.GEN_AI_USAGE_INPUT_TOKENS] == usage.prompt_token_count


def test_stream_ends_once_with_usage_and_the_whole_text(traced, client, mock_llm):
    stream = client.models.generate_content_stream(model=MODEL, contents=QUESTION, config=config())
    assert traced.llm_spans() == []  # nothing sent yet: the SDK sends when the stream is read
    chunks = list(stream)
    text = "".join(c.text or "" for c in chunks)
    span = traced.one()
    a = span.attributes
    assert a[attrs.TIME_TO_FIRST_CHUNK_MS] > 0
    usage = chunks[-1].usage_metadata
    assert a[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] == usage.candidates_token_count + usage.thoughts_token_count
    assert content_of(span, attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"] == [{"type": "text", "content": text}]
    del stream
    gc.collect()
    assert len(traced.llm_spans()) == 1
    record = record_of(span)
    assert record["stream"] is True
    sent = mock_llm.requests[-1].body
    list(client.models.generate_content_stream(**record["params"]))
    assert mock_llm.requests[-1].body == sent


def test_stream_left_early_still_ends_its_span(traced, client):
    for _chunk in client.models.generate_content_stream(model=MODEL, contents=QUESTION):
        break
    gc.collect()
    assert len(traced.llm_spans()) == 1


def test_async_generate_and_stream(traced, mock_llm):
    client = make_client(mock_llm)  # kept: a dropped client closes its connection pool
    aio = client.aio

    async def run():
        reply = await aio.models.generate_content(model=MODEL, contents=QUESTION, config=config())
        text = "".join(
            [
                c.text or ""
                async for c in await aio.models.generate_content_stream(model=MODEL, contents=QUESTION)
            ]
        )
        return reply, text

    reply, text = asyncio.run(run())
    plain, streamed = sorted(traced.llm_spans(), key=lambda s: s.start_time)
    assert plain.attributes[attrs.GEN_AI_RESPONSE_ID] == reply.response_id
    assert record_of(plain)["stream"] is False and record_of(streamed)["stream"] is True
    assert content_of(streamed, attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"][0]["content"] == text


def test_each_chat_message_is_one_span_with_the_history_sent(traced, client, mock_llm):
    chat = client.chats.create(model=MODEL, config=config())
    first = chat.send_message(QUESTION)
    assert len(traced.llm_spans()) == 1
    second_text = "".join(c.text or "" for c in chat.send_message_stream("And for gift cards?"))
    spans = sorted(traced.llm_spans(), key=lambda s: s.start_time)
    assert len(spans) == 2
    history = content_of(spans[1], attrs.GEN_AI_INPUT_MESSAGES)
    assert [m["role"] for m in history] == ["user", "assistant", "user"]
    assert history[1]["parts"][-1]["content"] == first.text
    assert content_of(spans[1], attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"][-1]["content"] == second_text
    record = record_of(spans[1])
    assert record["stream"] is True and "http_options" not in record["params"]["config"]
    sent = mock_llm.requests[-1].body
    list(client.models.generate_content_stream(**record["params"]))
    assert mock_llm.requests[-1].body == sent


def test_async_chat_is_one_span(traced, mock_llm):
    client = make_client(mock_llm)
    chat = client.aio.chats.create(model=MODEL)
    asyncio.run(chat.send_message(QUESTION))
    assert traced.one().attributes[attrs.GEN_AI_PROVIDER_NAME] == "gcp.gemini"


def test_tool_calls_and_definitions(traced, client, mock_llm):
    tools = [types.Tool(function_declarations=[WEATHER])]
    reply = client.models.generate_content(
        model=MODEL, contents="Weather in Paris?", config=config(tools=tools)
    )
    call = reply.function_calls[0]
    span = traced.one()
    (part,) = [
        p for p in content_of(span, attrs.GEN_AI_OUTPUT_MESSAGES)[0]["parts"] if p["type"] != "reasoning"
    ]
    assert part == {"type": "tool_call", "id": None, "name": "get_weather", "arguments": call.args}
    definitions = content_of(span, attrs.GEN_AI_TOOL_DEFINITIONS)
    assert definitions[0]["function_declarations"][0]["name"] == "get_weather"
    answer = types.Part.from_function_response(name="get_weather", response={"result": "Sunny"})
    contents = ["Weather in Paris?", reply.candidates[0].content, types.Content(role="user", parts=[answer])]
    client.models.generate_content(model=MODEL, contents=contents, config=config(tools=tools))
    follow_up = sorted(traced.llm_spans(), key=lambda s: s.start_time)[1]
    history = content_of(follow_up, attrs.GEN_AI_INPUT_MESSAGES)
    assert [m["role"] for m in history] == ["user", "assistant", "tool"]
    assert history[2]["parts"] == [
        {"type": "tool_call_response", "id": None, "response": {"result": "Sunny"}}
    ]


def test_python_function_tools_are_recorded_as_the_declarations_sent(traced, client, mock_llm):
    chat = client.chats.create(model=MODEL, config=config(tools=[get_weather]))
    reply = chat.send_message("Weather in Paris?")  # the SDK calls get_weather and asks again
    assert reply.text
    first, second = sorted(traced.llm_spans(), key=lambda s: s.start_time)
    record = record_of(first)
    (tool,) = record["params"]["config"]["tools"]
    assert tool["function_declarations"][0]["name"] == "get_weather"
    assert "automatic_function_calling" not in record["params"]["config"]
    sent = mock_llm.requests[0].json
    client.models.generate_content(**record["params"])  # the record replays as the request sent
    assert mock_llm.requests[-1].json["tools"] == sent["tools"]
    assert mock_llm.requests[-1].json["contents"] == sent["contents"]
    assert content_of(second, attrs.GEN_AI_INPUT_MESSAGES)[-1]["role"] == "tool"


def test_headers_and_keys_in_http_options_are_never_recorded(traced, client):
    options = types.HttpOptions(headers={"x-goog-api-key": "AIza-per-call-secret"})
    client.models.generate_content(model=MODEL, contents=QUESTION, config=config(http_options=options))
    stored = json.dumps(dict(traced.one().attributes))
    assert "AIza-per-call-secret" not in stored and "http_options" not in stored


def test_vertex_client_is_named_vertex_ai(traced, mock_llm):
    vertex = genai.Client(
        vertexai=True, api_key="vertex-key", http_options=types.HttpOptions(base_url=mock_llm.url)
    )
    vertex.models.generate_content(model=MODEL, contents=QUESTION)
    assert traced.one().attributes[attrs.GEN_AI_PROVIDER_NAME] == "gcp.vertex_ai"


def test_error_recorded_and_reraised(traced, client):
    options = types.HttpOptions(headers={"x-mock-error": "429"})
    with pytest.raises(errors.ClientError) as raised:
        client.models.generate_content(model=MODEL, contents=QUESTION, config=config(http_options=options))
    assert raised.value.code == 429
    span = traced.one()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes[attrs.ERROR_TYPE] == "429"


def test_error_in_the_middle_of_a_stream(traced, client):
    with pytest.raises(errors.ServerError):
        for _chunk in client.models.generate_content_stream(
            model=MODEL, contents="Hi [[mock:error=midstream]]"
        ):
            pass
    span = traced.one()
    assert span.status.status_code is StatusCode.ERROR and span.attributes[attrs.ERROR_TYPE] == "500"


def test_capture_off_keeps_no_content_in_attributes_or_record(traced, client, monkeypatch):
    content.set_capture(None)
    monkeypatch.setenv(settings.OTEL_LLM_CAPTURE_CONTENT, "false")
    client.models.generate_content(
        model=MODEL,
        contents=QUESTION,
        config=config(temperature=0.2, tools=[types.Tool(function_declarations=[WEATHER])]),
    )
    span = traced.one()
    for name in (attrs.GEN_AI_INPUT_MESSAGES, attrs.GEN_AI_OUTPUT_MESSAGES, attrs.GEN_AI_SYSTEM_INSTRUCTIONS):
        assert name not in span.attributes
    record = record_of(span)
    assert record["content"] is False and "contents" not in record["params"]
    assert "system_instruction" not in record["params"]["config"]
    assert record["params"]["config"]["temperature"] == 0.2
    assert SYSTEM not in span.attributes[attrs.REQUEST]
    assert span.attributes[attrs.SYSTEM_PROMPT_HASH] == text_hash(SYSTEM)
    assert span.attributes[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] > 0


def test_redactor_scrubs_contents_and_system_instruction_of_the_record(traced, client, mock_llm):
    set_redactor(lambda text: text.replace("alice@example.com", "[email]"))
    system = "Escalate to alice@example.com when unsure."
    client.models.generate_content(
        model=MODEL,
        contents="Mail alice@example.com",
        config=types.GenerateContentConfig(system_instruction=system),
    )
    span = traced.one()
    stored = json.dumps(dict(span.attributes))
    assert "alice@example.com" not in stored and "[email]" in stored
    assert "alice@example.com" in mock_llm.requests[-1].body.decode()
    params = record_of(span)["params"]
    assert params["config"]["system_instruction"] == "Escalate to [email] when unsure."


def test_size_cap_truncates_content(traced, client, monkeypatch):
    import otel_llm

    monkeypatch.setenv(settings.OTEL_LLM_MAX_CONTENT_BYTES, "2000")
    otel_llm.instrument()
    client.models.generate_content(model=MODEL, contents="Why " * 3000, config=config())
    span = traced.one()
    assert span.attributes[attrs.CONTENT_TRUNCATED] is True
    sizes = [
        len(span.attributes.get(n, "").encode())
        for n in (attrs.GEN_AI_INPUT_MESSAGES, attrs.GEN_AI_OUTPUT_MESSAGES, attrs.GEN_AI_SYSTEM_INSTRUCTIONS)
    ]
    assert sum(sizes) <= 2000
    assert content_of(span, attrs.GEN_AI_SYSTEM_INSTRUCTIONS) == [{"type": "text", "content": SYSTEM}]


def test_stored_row_has_provider_tokens_and_cost(traced, client):
    reply = client.models.generate_content(model=MODEL, contents=QUESTION, config=config())
    row = to_row(from_readable(traced.one()), project_id=1)
    usage = reply.usage_metadata
    assert (row["provider"], row["operation"], row["request_model"]) == (
        "gcp.gemini",
        "generate_content",
        MODEL,
    )
    assert row["output_tokens"] == usage.candidates_token_count + usage.thoughts_token_count
    expected = (usage.prompt_token_count * 0.3 + row["output_tokens"] * 2.5) / 1e6
    assert row["cost_usd"] == pytest.approx(expected)
    assert row["system_prompt_hash"] == text_hash(SYSTEM)


@pytest.mark.parametrize("official_first", [True, False])
def test_official_google_genai_instrumentor_and_ours_give_one_stored_span(
    mock_llm, official_first, monkeypatch
):
    from opentelemetry.instrumentation.google_genai import GoogleGenAiSdkInstrumentor as Official

    from tests.instrumentation_support import Traced, instrument_ours
    from tests.test_instrumentation_capture import uninstrument_ours

    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    t = Traced()
    first, second = (Official(), None) if official_first else (None, Official())
    if first:
        first.instrument(tracer_provider=t.provider, skip_dep_check=True)
    instrument_ours(t)
    if second:
        second.instrument(tracer_provider=t.provider, skip_dep_check=True)
    try:
        client = make_client(mock_llm)
        client.models.generate_content(model=MODEL, contents=QUESTION)
        list(client.models.generate_content_stream(model=MODEL, contents=QUESTION))
    finally:
        if official_first:
            uninstrument_ours()
            Official().uninstrument()
        else:
            Official().uninstrument()
            uninstrument_ours()
    llm = [s for s in t.spans() if s.attributes.get(attrs.GEN_AI_OPERATION_NAME)]
    assert len(llm) == 4
    assert [s.instrumentation_scope.name for s in t.llm_spans()] == [attrs.OUR_SCOPE, attrs.OUR_SCOPE]
