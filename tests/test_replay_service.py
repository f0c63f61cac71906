"""Replay service against the local provider through the real SDKs, on SQLite and Postgres.

Covers the seed plan's phase-3 checks: replay with the same parameters (byte-identical request),
with a different model, with a different temperature, with caching disabled; outputs compared and
token / cost differences verified; plus tracing, storage and failure paths.
"""

from __future__ import annotations

import json

import openai
import pytest
from sqlalchemy import func, select

from otel_llm import attributes as attrs
from otel_llm.replay import NotReplayable, Overrides, SpanNotFound
from otel_llm.replay.run import replay_span
from otel_llm.replay.store import get_replay, list_replays
from otel_llm.storage.schema_replays import replays
from otel_llm.traces import get_span
from tests import replay_support
from tests.replay_support import SYSTEM, start_app, stop_app

app = replay_support.app  # fixture
sqlite_app = replay_support.sqlite_app  # fixture

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "order_status",
            "description": "Look up an order",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}},
                "required": ["order_id"],
            },
        },
    }
]


def replay(app, span_id, overrides=None, **kwargs):
    return replay_span(
        app.engine,
        app.project_id,
        span_id,
        overrides,
        actor="ana@example.com",
        base_url=app.mock.url,
        **kwargs,
    )


def bodies(mock):
    return [r.body for r in mock.requests]


def replay_count(app) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(replays)).scalar_one()


@pytest.mark.parametrize(
    "call",
    [
        lambda app: app.chat(temperature=0.3, max_tokens=80, stop=["END"], tools=TOOLS, seed=7, user="u-1"),
        lambda app: app.chat(stream=True, stream_options={"include_usage": True}, top_p=0.5),
        lambda app: app.message(
            system=[{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],
            extra_body={"temperature": 0.2},
            stop_sequences=["###"],
        ),
        lambda app: app.message(stream=True, metadata={"user_id": "u-2"}),
        lambda app: app.message_stream(system=SYSTEM),
        lambda app: app.chat_stream(temperature=0.1),
        lambda app: app.respond(temperature=0.5, max_output_tokens=60),
    ],
    ids=[
        "openai-chat",
        "openai-stream",
        "anthropic",
        "anthropic-stream",
        "anthropic-stream-helper",
        "openai-stream-helper",
        "openai-responses",
    ],
)
def test_replay_without_overrides_sends_the_identical_body(app, call):
    span_id = call(app)
    original = app.mock.requests[-1]
    app.mock.clear()

    result = replay(app, span_id)

    assert result.status == "ok", result.error
    sent = app.mock.requests
    assert len(sent) == 1
    assert sent[0].path == original.path and sent[0].body == original.body
    assert "sk-app-secret" not in json.dumps(result.to_json()) and "sk-ant" not in json.dumps(
        result.to_json()
    )
    assert (
        result.comparison["output"]["changed"] is False and result.comparison["output"]["similarity"] == 1.0
    )


def test_replay_is_traced_and_recorded(app):
    span_id = app.chat(temperature=0.3)
    result = replay(app, span_id, Overrides(temperature=0.9))

    stored = get_span(app.engine, app.project_id, result.replay["span_id"])
    assert stored is not None and stored["replay_of"] == span_id
    assert stored["temperature"] == 0.9 and stored["trace_id"] != result.original["trace_id"]
    assert json.loads(stored["attributes"][attrs.REPLAY_OVERRIDES]) == {"temperature": 0.9}
    row = get_replay(app.engine, app.project_id, result.id)
    assert row["actor"] == "ana@example.com" and row["status"] == "ok" and row["error"] is None
    assert row["original_span_id"] == span_id and row["replay_span_id"] == stored["span_id"]
    assert row["overrides"] == {"temperature": 0.9} and row["created_at"] is not None
    assert row["summary"]["changed"] is True


def test_different_model_changes_output_model_and_cost(app):
    span_id = app.chat(model="gpt-4o-mini", max_tokens=60)
    result = replay(app, span_id, Overrides(model="gpt-4o"))

    c = result.comparison
    assert json.loads(app.mock.requests[-1].body)["model"] == "gpt-4o"
    assert c["model"]["original"].startswith("gpt-4o-mini") and c["model"]["replay"].startswith("gpt-4o-2")
    assert c["output"]["changed"] and c["output"]["similarity"] < 1
    assert any(run["op"] == "insert" for run in c["output"]["diff"])
    # gpt-4o costs more per token than gpt-4o-mini: same input tokens, a dearer call.
    assert c["input_tokens"]["delta"] == 0
    assert c["cost_usd"]["replay"] > c["cost_usd"]["original"] > 0
    assert c["cost_usd"]["delta"] == pytest.approx(c["cost_usd"]["replay"] - c["cost_usd"]["original"])
    assert c["cost_usd"]["delta_pct"] > 0
    assert c["output_tokens"]["delta"] == c["output_tokens"]["replay"] - c["output_tokens"]["original"]
    assert c["latency_ms"]["original"] > 0 and c["latency_ms"]["replay"] > 0


def test_different_temperature_changes_output(sqlite_app):
    app = sqlite_app
    span_id = app.message(extra_body={"temperature": 0.0})
    same = replay(app, span_id)
    warmer = replay(app, span_id, Overrides(temperature=0.8))

    assert json.loads(app.mock.requests[-1].body)["temperature"] == 0.8
    assert same.comparison["output"]["changed"] is False
    assert warmer.comparison["output"]["changed"] is True
    assert warmer.comparison["output"]["replay"] != same.comparison["output"]["replay"]


def test_no_cache_removes_cache_control_and_the_cache_reads(sqlite_app):
    app = sqlite_app
    cached_system = [
        {
            "type": "text",
            "text": SYSTEM + " Cache me (no-cache test).",
            "cache_control": {"type": "ephemeral"},
        }
    ]
    span_id = app.message(system=cached_system)
    assert app.stored()[-1]["cache_write_tokens"] > 0

    with_cache = replay(app, span_id)
    without = replay(app, span_id, Overrides(no_cache=True))

    assert "cache_control" not in app.mock.requests[-1].body.decode()
    assert with_cache.comparison["cache_read_tokens"]["replay"] > 0
    assert without.comparison["cache_read_tokens"]["replay"] in (0, None)
    # Cache reads are billed below the input price: the same prompt without the cache costs more.
    assert without.comparison["cost_usd"]["replay"] > with_cache.comparison["cost_usd"]["replay"]
    assert any("caching disabled: removed 1 cache marker" in note for note in without.notes)


def test_openai_chat_with_tools_replays_on_anthropic(sqlite_app):
    app = sqlite_app
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "Status of order 42?"},
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
    span_id = app.chat(messages=messages, tools=TOOLS, stop=["END"], temperature=1.5, logprobs=True, n=1)
    result = replay(app, span_id, Overrides(provider="anthropic", model="claude-opus-4-6", max_tokens=300))

    assert result.status == "ok", result.error
    body = json.loads(app.mock.requests[-1].body)
    assert app.mock.requests[-1].path == "/v1/messages"
    assert body["system"] == SYSTEM and body["max_tokens"] == 300 and body["stop_sequences"] == ["END"]
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert [b["type"] for b in body["messages"][1]["content"]] == ["tool_use", "tool_use"]
    assert [b["type"] for b in body["messages"][2]["content"]] == ["tool_result", "tool_result", "text"]
    assert body["tools"][0]["input_schema"]["required"] == ["order_id"]
    assert body["temperature"] == 1.0
    warnings = " | ".join(result.notes)
    assert "temperature 1.5 is above Anthropic's maximum" in warnings
    assert (
        "'logprobs' has no Anthropic equivalent" in warnings and "'n' has no Anthropic equivalent" in warnings
    )
    assert result.replay["provider"] == "anthropic" and result.comparison["provider"]["changed"]


def test_anthropic_replays_on_openai(sqlite_app):
    app = sqlite_app
    span_id = app.message(stop_sequences=["###"], extra_body={"temperature": 0.4})
    result = replay(app, span_id, Overrides(provider="openai", model="gpt-4o-mini"))

    assert result.status == "ok", result.error
    body = json.loads(app.mock.requests[-1].body)
    assert body["messages"][0] == {"role": "system", "content": SYSTEM}
    assert body["stop"] == ["###"] and body["temperature"] == 0.4 and body["max_completion_tokens"] == 200


def test_a_model_of_another_provider_alone_switches_to_that_provider(sqlite_app):
    """What the CLI, the console and the API all send: a claude-* model never goes to OpenAI."""
    app = sqlite_app
    to_anthropic = replay(app, app.chat(), Overrides(model="claude-haiku-4-5"))
    sent = app.mock.requests[-1]
    assert to_anthropic.status == "ok", to_anthropic.error
    assert sent.path == "/v1/messages" and json.loads(sent.body)["model"] == "claude-haiku-4-5"
    to_openai = replay(app, app.message(), Overrides(model="gpt-4o-mini"))
    assert to_openai.status == "ok" and app.mock.requests[-1].path == "/v1/chat/completions"
    same = replay(app, app.chat(), Overrides(model="gpt-4.1-mini"))  # same provider: no translation
    assert same.status == "ok" and app.mock.requests[-1].path == "/v1/chat/completions"


def test_switching_provider_without_a_model_is_refused_before_sending(sqlite_app):
    app = sqlite_app
    span_id = app.chat()
    app.mock.clear()
    with pytest.raises(Exception, match="needs a model of that provider"):
        replay(app, span_id, Overrides(provider="anthropic"))
    assert app.mock.requests == [] and replay_count(app) == 0


def test_provider_error_is_a_failed_replay_not_a_crash(app):
    with pytest.raises(openai.InternalServerError):  # the app's own call failed the same way
        app.chat(messages=[{"role": "user", "content": "fail please [[mock:error=500]]"}])
    span_id = app.last_span_id()
    result = replay(app, span_id)

    assert result.status == "error" and "500" in result.error
    row = get_replay(app.engine, app.project_id, result.id)
    assert row["status"] == "error" and "500" in row["error"]
    replay_row = get_span(app.engine, app.project_id, row["replay_span_id"])
    assert replay_row["status_code"] == "ERROR" and replay_row["replay_of"] == span_id


def test_unreachable_provider_is_a_failed_replay(sqlite_app):
    app = sqlite_app
    span_id = app.chat()
    result = replay_span(
        app.engine, app.project_id, span_id, Overrides(), actor="ana", base_url="http://127.0.0.1:9"
    )
    assert result.status == "error" and "Connection" in result.error
    assert get_replay(app.engine, app.project_id, result.id)["status"] == "error"


def test_dry_run_sends_and_stores_nothing(sqlite_app):
    app = sqlite_app
    span_id = app.chat(temperature=0.2)
    app.mock.clear()
    result = replay(app, span_id, Overrides(model="gpt-4o", system_prompt="Be kind."), dry_run=True)

    assert result.status == "dry_run" and app.mock.requests == [] and replay_count(app) == 0
    params = result.request.to_json()["params"]
    assert params["model"] == "gpt-4o" and params["messages"][0] == {"role": "system", "content": "Be kind."}


def test_span_recorded_without_content_says_how_to_enable_capture(sqlite_url, mock_llm):
    app = start_app(sqlite_url, mock_llm, capture=False)
    try:
        span_id = app.chat()
        with pytest.raises(NotReplayable, match="OTEL_LLM_CAPTURE_CONTENT=true"):
            replay(app, span_id)
        assert replay_count(app) == 0
    finally:
        stop_app()


def test_unknown_span_is_a_clear_error(sqlite_app):
    app = sqlite_app
    app.chat()
    with pytest.raises(SpanNotFound, match="otel-llm traces list"):
        replay(app, "00000000deadbeef")


def test_listing_replays_of_a_span(sqlite_app):
    app = sqlite_app
    span_id = app.chat()
    first = replay(app, span_id, Overrides(model="gpt-4o"))
    second = replay(app, span_id)
    listed = list_replays(app.engine, app.project_id, original_span_id=span_id)
    assert [r["id"] for r in listed] == [second.id, first.id]


def test_a_replay_error_shown_to_the_user_masks_passwords_and_keys(sqlite_app, monkeypatch, caplog):
    from otel_llm.replay import call

    def leaky(*args, **kwargs):
        raise RuntimeError("proxy http://ada:hunter2@gw.internal refused key sk-live0123456789abcdef")

    app = sqlite_app
    span_id = app.chat()
    monkeypatch.setattr(call, "send", leaky)
    result = replay(app, span_id)

    masked = "RuntimeError: proxy http://ada:***@gw.internal refused key sk-***"
    assert (result.status, result.error) == ("error", masked)
    assert get_replay(app.engine, app.project_id, result.id)["error"] == masked
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "hunter2" not in logged and "sk-live0123456789abcdef" not in logged
