"""Replay of Gemini calls (real google-genai SDK, recorded through our pipeline) and cross-provider
replay OpenAI ↔ Gemini ↔ Anthropic with tools kept, against the local provider."""

from __future__ import annotations

import json

import pytest

from otel_llm import attributes as attrs
from otel_llm.replay import Overrides
from otel_llm.replay.run import replay_span
from otel_llm.storage.db import get_engine
from tests import replay_support
from tests.replay_support import SYSTEM

app = replay_support.app  # fixture
sqlite_app = replay_support.sqlite_app  # fixture

ORDER_SCHEMA = {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}
GEMINI_TOOLS = [
    {
        "function_declarations": [
            {
                "name": "order_status",
                "description": "Look up an order",
                "parameters_json_schema": ORDER_SCHEMA,
            }
        ]
    }
]
OPENAI_TOOLS = [
    {
        "type": "function",
        "function": {"name": "order_status", "description": "Look up an order", "parameters": ORDER_SCHEMA},
    }
]
GEMINI_CONVERSATION = [
    {"role": "user", "parts": [{"text": "Status of orders 42 and 43?"}]},
    {
        "role": "model",
        "parts": [
            {"function_call": {"name": "order_status", "args": {"order_id": "42"}}},
            {"function_call": {"name": "order_status", "args": {"order_id": "43"}}},
        ],
    },
    {
        "role": "user",
        "parts": [
            {"function_response": {"name": "order_status", "response": {"result": "shipped"}}},
            {"function_response": {"name": "order_status", "response": {"result": "pending"}}},
        ],
    },
    {"role": "user", "parts": [{"text": "Thanks. Summarise."}]},
]
OPENAI_CONVERSATION = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "Status of orders 42 and 43?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "order_status", "arguments": '{"order_id": "42"}'},
            },
            {
                "id": "call_2",
                "type": "function",
                "function": {"name": "order_status", "arguments": '{"order_id": "43"}'},
            },
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "shipped"},
    {"role": "tool", "tool_call_id": "call_2", "content": "pending"},
    {"role": "user", "content": "Thanks. Summarise."},
]


def replay(app, span_id, overrides=None):
    return replay_span(app.engine, app.project_id, span_id, overrides, actor="ana", base_url=app.mock.url)


def sent(app) -> dict:
    return json.loads(app.mock.requests[-1].body)


@pytest.mark.parametrize("stream", [False, True], ids=["generate", "stream"])
def test_gemini_replay_without_overrides_sends_the_identical_body(app, stream):
    span_id = app.generate(
        stream=stream, config={"system_instruction": SYSTEM, "temperature": 0.3, "tools": GEMINI_TOOLS}
    )
    original = app.mock.requests[-1]
    app.mock.clear()

    result = replay(app, span_id)

    assert result.status == "ok", result.error
    (again,) = app.mock.requests
    assert again.path == original.path and again.body == original.body
    assert "AIza-app-secret" not in json.dumps(result.to_json())
    stored = app.stored()[-1]
    assert stored["replay_of"] == span_id and stored["provider"] == "gcp.gemini"
    assert result.comparison["output"]["changed"] is False


def test_a_chat_message_replays_with_its_history(sqlite_app):
    app = sqlite_app
    chat = app.gemini.chats.create(model="gemini-2.0-flash", config={"system_instruction": SYSTEM})
    chat.send_message("Where is my order?")
    chat.send_message("And when will it arrive?")
    original = app.mock.requests[-1]
    result = replay(app, app.last_span_id())
    assert result.status == "ok", result.error
    assert app.mock.requests[-1].body == original.body
    assert len(sent(app)["contents"]) == 3


def test_overrides_land_in_the_gemini_config(sqlite_app):
    app = sqlite_app
    span_id = app.generate(
        config={"system_instruction": SYSTEM, "temperature": 0.2, "max_output_tokens": 300}
    )
    result = replay(
        app,
        span_id,
        Overrides(model="gemini-2.5-pro", temperature=1.7, max_tokens=120, system_prompt="Be brief."),
    )
    assert result.status == "ok", result.error
    body = sent(app)
    assert app.mock.requests[-1].path.endswith("/models/gemini-2.5-pro:generateContent")
    config = body["generationConfig"]
    assert (config["temperature"], config["maxOutputTokens"]) == (1.7, 120)
    assert body["systemInstruction"]["parts"] == [{"text": "Be brief."}]
    assert result.comparison["output"]["changed"]
    # gemini-2.5-pro costs more per token than gemini-2.5-flash
    assert result.comparison["cost_usd"]["replay"] > 0


def test_gemini_with_tools_replays_on_openai(sqlite_app):
    app = sqlite_app
    config = {"system_instruction": SYSTEM, "tools": GEMINI_TOOLS, "temperature": 0.4, "top_k": 20}
    span_id = app.generate(contents=GEMINI_CONVERSATION, config=config)
    result = replay(app, span_id, Overrides(provider="openai", model="gpt-4o-mini"))

    assert result.status == "ok", result.error
    body = sent(app)
    assert app.mock.requests[-1].path == "/v1/chat/completions"
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "tool", "user"]
    calls = body["messages"][2]["tool_calls"]
    assert [json.loads(c["function"]["arguments"]) for c in calls] == [{"order_id": "42"}, {"order_id": "43"}]
    assert [m["tool_call_id"] for m in body["messages"][3:5]] == [c["id"] for c in calls]
    assert [m["content"] for m in body["messages"][3:5]] == ["shipped", "pending"]
    assert body["tools"][0]["function"]["name"] == "order_status"
    assert body["tools"][0]["function"]["parameters"] == ORDER_SCHEMA
    assert body["temperature"] == 0.4
    assert any("'top_k' has no OpenAI" in note for note in result.notes)
    assert result.replay["provider"] == "openai"


def test_openai_with_tools_replays_on_gemini(sqlite_app):
    app = sqlite_app
    span_id = app.chat(
        messages=OPENAI_CONVERSATION, tools=OPENAI_TOOLS, temperature=0.3, max_tokens=90, stop=["END"]
    )
    result = replay(app, span_id, Overrides(provider="gcp.gemini", model="gemini-2.5-flash"))

    assert result.status == "ok", result.error
    body = sent(app)
    assert "/models/gemini-2.5-flash:generateContent" in app.mock.requests[-1].path
    assert body["systemInstruction"]["parts"] == [{"text": SYSTEM}]
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    calls = [p["functionCall"] for p in body["contents"][1]["parts"]]
    assert calls == [
        {"name": "order_status", "args": {"order_id": "42"}},
        {"name": "order_status", "args": {"order_id": "43"}},
    ]
    answers = body["contents"][2]["parts"]
    assert [p["functionResponse"] for p in answers[:2]] == [
        {"name": "order_status", "response": {"result": "shipped"}},
        {"name": "order_status", "response": {"result": "pending"}},
    ]
    assert answers[2] == {"text": "Thanks. Summarise."}
    declaration = body["tools"][0]["functionDeclarations"][0]
    assert declaration["name"] == "order_status"
    assert body["generationConfig"]["temperature"] == 0.3
    assert body["generationConfig"]["maxOutputTokens"] == 90
    assert body["generationConfig"]["stopSequences"] == ["END"]
    stored = app.stored()[-1]
    assert (stored["provider"], stored["request_model"], stored["replay_of"]) == (
        "gcp.gemini",
        "gemini-2.5-flash",
        span_id,
    )


def test_anthropic_with_tools_replays_on_gemini_and_back(sqlite_app):
    app = sqlite_app
    messages = [
        {"role": "user", "content": "Status of order 42?"},
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": "toolu_1", "name": "order_status", "input": {"order_id": "42"}}
            ],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "shipped"}],
        },
    ]
    tools = [{"name": "order_status", "description": "Look up an order", "input_schema": ORDER_SCHEMA}]
    span_id = app.message(messages=messages, tools=tools)
    on_gemini = replay(app, span_id, Overrides(provider="gcp.gemini", model="gemini-2.0-flash"))
    assert on_gemini.status == "ok", on_gemini.error
    body = sent(app)
    assert body["contents"][1]["parts"] == [
        {"functionCall": {"name": "order_status", "args": {"order_id": "42"}}}
    ]
    assert body["contents"][2]["parts"] == [
        {"functionResponse": {"name": "order_status", "response": {"result": "shipped"}}}
    ]

    gemini_span = app.stored()[-1]["span_id"]  # the replay on Gemini, replayed in turn on Anthropic
    back = replay(app, gemini_span, Overrides(provider="anthropic", model="claude-haiku-4-5"))
    assert back.status == "ok", back.error
    body = sent(app)
    assert app.mock.requests[-1].path == "/v1/messages"
    assert body["system"] == SYSTEM
    use = body["messages"][1]["content"][0]
    result = body["messages"][2]["content"][0]
    assert (use["type"], use["name"], use["input"]) == ("tool_use", "order_status", {"order_id": "42"})
    assert (result["type"], result["tool_use_id"], result["content"]) == ("tool_result", use["id"], "shipped")
    assert body["tools"][0]["input_schema"] == ORDER_SCHEMA


def test_a_crafted_gemini_record_never_steers_the_transport(sqlite_app):
    """``config.http_options`` (base URL, headers, API version) in a stored record is dropped."""
    app = sqlite_app
    span_id = app.generate()
    engine = get_engine(app.url)
    from sqlalchemy import update

    from otel_llm.storage.schema import spans

    row = app.stored()[-1]
    record = json.loads(row["attributes"][attrs.REQUEST])
    record["params"]["config"]["http_options"] = {
        "base_url": "http://attacker.example",
        "headers": {"x-goog-api-key": "stolen", "x-exfiltrate": "1"},
    }
    record["params"]["config"]["shouldReturnHttpResponse"] = True
    record["params"]["api_key"] = "AIza-attacker"
    attributes = {**row["attributes"], attrs.REQUEST: json.dumps(record)}
    with engine.begin() as connection:
        connection.execute(update(spans).where(spans.c.span_id == span_id).values(attributes=attributes))
    app.mock.clear()

    result = replay(app, span_id)

    assert result.status == "ok", result.error
    (request,) = app.mock.requests
    assert "x-exfiltrate" not in request.headers and request.headers["x-goog-api-key"] != "stolen"
    notes = " | ".join(result.notes)
    assert "config.http_options" in notes and "api_key" in notes


def test_a_span_of_the_official_google_genai_instrumentation_is_rebuilt_and_replayed(
    sqlite_url, mock_llm, monkeypatch
):
    from google import genai
    from google.genai import types
    from opentelemetry.instrumentation.google_genai import GoogleGenAiSdkInstrumentor

    from otel_llm.accounts.projects import get_project
    from tests.foreign_support import latest_genai_semconv, stored_llm_rows, storing_provider

    latest_genai_semconv(monkeypatch)
    GoogleGenAiSdkInstrumentor().instrument(tracer_provider=storing_provider(sqlite_url), skip_dep_check=True)
    try:
        client = genai.Client(api_key="AIza-foreign", http_options=types.HttpOptions(base_url=mock_llm.url))
        config = types.GenerateContentConfig(system_instruction=SYSTEM, temperature=0.2, tools=GEMINI_TOOLS)
        client.models.generate_content(model="gemini-2.0-flash", contents=GEMINI_CONVERSATION, config=config)
    finally:
        GoogleGenAiSdkInstrumentor().uninstrument()
    (row,) = stored_llm_rows(sqlite_url)
    engine = get_engine(sqlite_url)
    project = get_project(engine, "foreign")
    mock_llm.clear()

    result = replay_span(engine, project.id, row["span_id"], None, actor="ana", base_url=mock_llm.url)

    assert result.status == "ok", result.error
    body = json.loads(mock_llm.requests[-1].body)
    assert "/models/gemini-2.0-flash:generateContent" in mock_llm.requests[-1].path
    assert body["systemInstruction"]["parts"] == [{"text": SYSTEM}]
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    assert [p["functionResponse"]["name"] for p in body["contents"][2]["parts"][:2]] == ["order_status"] * 2
    assert body["tools"][0]["functionDeclarations"][0]["name"] == "order_status"
    assert body["generationConfig"]["temperature"] == 0.2
