"""Spans of the official ``opentelemetry-instrumentation-google-genai`` and of
``openinference-instrumentation-google-genai`` (real packages, real google-genai SDK over HTTP)
stored into the same columns as ours.

Both declare support for google-genai < 3 (the official one) or any version; the official one is
installed with ``skip_dep_check`` because the SDK here is newer than its declared range, which is
what an app on the current SDK that forces it on does.
"""

from __future__ import annotations

import json

from google import genai
from google.genai import types

from otel_llm import attributes as attrs
from otel_llm.hashing import text_hash
from tests.foreign_support import SYSTEM, latest_genai_semconv, stored_llm_rows, storing_provider

MODEL = "gemini-2.5-flash"
QUESTION = "How long do refunds take?"
WEATHER = types.Tool(
    function_declarations=[
        types.FunctionDeclaration(
            name="get_weather",
            description="Weather for a city",
            parameters_json_schema={"type": "object", "properties": {"city": {"type": "string"}}},
        )
    ]
)
POLICY = "Refunds are processed within five business days of approval. " * 120


def _client(mock_llm, vertex: bool = False) -> genai.Client:
    return genai.Client(
        vertexai=vertex, api_key="AIza-foreign", http_options=types.HttpOptions(base_url=mock_llm.url)
    )


def _calls(client) -> tuple:
    config = types.GenerateContentConfig(system_instruction=SYSTEM, temperature=0.4, max_output_tokens=300)
    first = client.models.generate_content(model=MODEL, contents=[POLICY, QUESTION], config=config)
    second = client.models.generate_content(model=MODEL, contents=[POLICY, QUESTION], config=config)
    tools = types.GenerateContentConfig(tools=[WEATHER])
    called = client.models.generate_content(model=MODEL, contents="Weather in Paris?", config=tools)
    return first, second, called


def test_official_google_genai_spans_normalised(db_url, mock_llm, monkeypatch):
    from opentelemetry.instrumentation.google_genai import GoogleGenAiSdkInstrumentor

    latest_genai_semconv(monkeypatch)
    provider = storing_provider(db_url)
    GoogleGenAiSdkInstrumentor().instrument(tracer_provider=provider, skip_dep_check=True)
    try:
        client, vertex = _client(mock_llm), _client(mock_llm, vertex=True)  # kept: a dropped client closes
        _, second, called = _calls(client)
        vertex.models.generate_content(model=MODEL, contents=QUESTION)
    finally:
        GoogleGenAiSdkInstrumentor().uninstrument()
    rows = stored_llm_rows(db_url)
    assert len(rows) == 4
    row = rows[1]
    assert row["scope_name"] == "opentelemetry.instrumentation.google_genai"
    assert (row["provider"], row["operation"], row["request_model"]) == (
        "gcp.gemini",
        "generate_content",
        MODEL,
    )
    assert (row["temperature"], row["max_tokens"], row["finish_reason"]) == (0.4, 300, "stop")
    usage = second.usage_metadata
    assert row["input_tokens"] == usage.prompt_token_count
    assert row["output_tokens"] == usage.candidates_token_count + usage.thoughts_token_count
    assert row["system_prompt_hash"] == text_hash(SYSTEM)
    assert row["cost_usd"] is not None and row["cost_usd"] > 0
    output = json.loads(rows[2]["attributes"][attrs.GEN_AI_OUTPUT_MESSAGES])
    (call,) = [p for p in output[0]["parts"] if p["type"] == "tool_call"]
    assert (call["name"], call["arguments"]) == ("get_weather", called.function_calls[0].args)
    assert rows[3]["provider"] == "gcp.vertex_ai"


def test_openinference_google_genai_spans_normalised(db_url, mock_llm):
    from openinference.instrumentation.google_genai import GoogleGenAIInstrumentor

    provider = storing_provider(db_url)
    GoogleGenAIInstrumentor().instrument(tracer_provider=provider)
    try:
        client = _client(mock_llm)
        first, second, called = _calls(client)
    finally:
        GoogleGenAIInstrumentor().uninstrument()
    rows = stored_llm_rows(db_url)
    assert len(rows) == 3
    row = rows[1]
    assert row["scope_name"] == "openinference.instrumentation.google_genai"
    # OpenInference names Google for either backend: the conventions' "any Google endpoint".
    assert (row["provider"], row["operation"]) == ("gcp.gen_ai", "chat")
    assert (row["request_model"], row["response_model"]) == (MODEL, second.model_version)
    assert (row["temperature"], row["max_tokens"], row["finish_reason"]) == (0.4, 300, "stop")
    usage = second.usage_metadata
    assert row["input_tokens"] == usage.prompt_token_count
    assert row["output_tokens"] == usage.candidates_token_count + usage.thoughts_token_count
    assert row["attributes"][attrs.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] == usage.thoughts_token_count
    assert row["system_prompt_hash"] == text_hash(SYSTEM)
    assert row["cost_usd"] is not None and row["cost_usd"] > 0
    a = row["attributes"]
    messages = json.loads(a[attrs.GEN_AI_INPUT_MESSAGES])
    assert messages == [
        {
            "role": "user",
            "parts": [{"type": "text", "content": POLICY}, {"type": "text", "content": QUESTION}],
        }
    ]
    output = json.loads(a[attrs.GEN_AI_OUTPUT_MESSAGES])
    assert [(m["role"], m["parts"]) for m in output] == [
        ("assistant", [{"type": "text", "content": second.text}])
    ]
    tool_row = rows[2]["attributes"]
    (part,) = json.loads(tool_row[attrs.GEN_AI_OUTPUT_MESSAGES])[0]["parts"]
    assert part["type"] == "tool_call" and part["name"] == "get_weather"
    assert json.loads(part["arguments"]) == called.function_calls[0].args
    definitions = json.loads(tool_row[attrs.GEN_AI_TOOL_DEFINITIONS])
    assert definitions[0]["name"] == "get_weather"
