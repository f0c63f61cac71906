"""Where a replayed request comes from besides the request record: other instrumentations' GenAI
attributes, and prompt-registry versions used as the system prompt."""

from __future__ import annotations

import json

import pytest

from otel_llm import attributes as attrs
from otel_llm.accounts.projects import get_project
from otel_llm.instrumentation import available_instrumentors
from otel_llm.prompts import versions
from otel_llm.replay import InvalidOverride, NotReplayable, Overrides
from otel_llm.replay.diff import output_text, similarity, word_diff
from otel_llm.replay.prompt_ref import match_variables
from otel_llm.replay.rebuild import REBUILT_NOTE
from otel_llm.replay.run import replay_span
from otel_llm.storage.db import get_engine
from otel_llm.traces import get_span
from tests import replay_support
from tests.span_factory import emit, llm_attributes, span_pipeline

sqlite_app = replay_support.sqlite_app  # fixture


def _foreign_span(url, tmp_path, **attributes) -> str:
    with span_pipeline(url, tmp_path, project="default") as (tracer, _):
        return emit(tracer, **llm_attributes(**attributes))[1]


def test_span_of_another_instrumentation_is_rebuilt_from_semconv_attributes(db_url, tmp_path, mock_llm):
    span_id = _foreign_span(
        db_url,
        tmp_path,
        system="You are terse.",
        user="Where is my parcel?",
        **{attrs.GEN_AI_REQUEST_TEMPERATURE: 0.4, attrs.GEN_AI_REQUEST_MAX_TOKENS: 30},
    )
    engine = get_engine(db_url)
    project_id = get_project(engine, "default").id

    result = replay_span(engine, project_id, span_id, actor="t", base_url=mock_llm.url)

    assert result.status == "ok", result.error
    body = json.loads(mock_llm.requests[-1].body)
    assert body["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Where is my parcel?"},
    ]
    # Built by the OpenAI adapter from the neutral form: the limit under the API's current name.
    assert (
        body["temperature"] == 0.4 and body["max_completion_tokens"] == 30 and body["model"] == "gpt-4o-mini"
    )
    assert REBUILT_NOTE in result.notes and result.request.exact is False
    assert get_span(engine, project_id, result.replay["span_id"])["replay_of"] == span_id
    # The process had no instrumentation on: the replay turned it on for its call only.
    assert not any(i.is_instrumented_by_opentelemetry for i in available_instrumentors())


def test_foreign_anthropic_span_is_rebuilt_for_the_messages_api(sqlite_url, tmp_path, mock_llm):
    span_id = _foreign_span(
        sqlite_url, tmp_path, provider="anthropic", model="claude-haiku-4-5", system="Sys."
    )
    engine = get_engine(sqlite_url)
    result = replay_span(engine, get_project(engine, "default").id, span_id, actor="t", base_url=mock_llm.url)

    assert result.status == "ok", result.error
    assert mock_llm.requests[-1].path == "/v1/messages"
    body = json.loads(mock_llm.requests[-1].body)
    assert body["system"] == "Sys." and body["max_tokens"] == 1024
    assert any("max_tokens" in note for note in result.notes)


def test_foreign_span_without_content_says_how_to_enable_capture(sqlite_url, tmp_path):
    attributes = llm_attributes()
    attributes.pop(attrs.GEN_AI_INPUT_MESSAGES)
    with span_pipeline(sqlite_url, tmp_path, project="default") as (tracer, _):
        span_id = emit(tracer, **attributes)[1]
    engine = get_engine(sqlite_url)
    with pytest.raises(NotReplayable, match="OTEL_LLM_CAPTURE_CONTENT=true"):
        replay_span(engine, get_project(engine, "default").id, span_id, actor="t")


def test_prompt_version_replaces_the_system_prompt_with_the_original_variables(sqlite_app):
    app = sqlite_app
    app.chat()  # creates the project
    v1 = versions.create_version(app.engine, app.project_id, "support", "Help {{customer}} politely.")
    versions.create_version(app.engine, app.project_id, "support", "Help {{customer}} briefly, in French.")
    import otel_llm

    with otel_llm.tags(prompt_name="support", prompt_version=1, prompt_hash=v1.version_hash):
        span_id = app.chat(
            messages=[{"role": "system", "content": "Help Ana politely."}, {"role": "user", "content": "Hi"}]
        )

    result = replay_span(
        app.engine, app.project_id, span_id, Overrides(prompt="support@v2"), actor="t", base_url=app.mock.url
    )

    assert result.status == "ok", result.error
    body = json.loads(app.mock.requests[-1].body)
    assert body["messages"][0] == {"role": "system", "content": "Help Ana briefly, in French."}
    stored = get_span(app.engine, app.project_id, result.replay["span_id"])
    assert (stored["prompt_name"], stored["prompt_version"]) == ("support", "2")
    assert result.comparison["output"]["changed"] is True


def test_prompt_version_with_unknown_variables_is_refused(sqlite_app):
    app = sqlite_app
    span_id = app.chat()
    versions.create_version(app.engine, app.project_id, "greeter", "Greet {{name}}.")
    with pytest.raises(InvalidOverride, match="needs values for name"):
        replay_span(app.engine, app.project_id, span_id, Overrides(prompt="greeter@v1"), actor="t")
    with pytest.raises(InvalidOverride, match="greeter"):
        replay_span(app.engine, app.project_id, span_id, Overrides(prompt="greeter@v9"), actor="t")


def test_template_variables_are_matched_back_from_text():
    assert match_variables("Hi {{a}}, see {{b}}.", "Hi Ana, see the {x}.") == {"a": "Ana", "b": "the {x}"}
    assert match_variables("Hi {{a}}.", "Hello Ana.") == {}


def test_word_diff_similarity_and_output_text():
    runs = word_diff("The quick brown fox.", "The slow brown fox!")
    assert runs == [
        {"op": "equal", "text": "The "},
        {"op": "delete", "text": "quick"},
        {"op": "insert", "text": "slow"},
        {"op": "equal", "text": " brown fox"},
        {"op": "delete", "text": "."},
        {"op": "insert", "text": "!"},
    ]
    assert similarity("a b c d", "a b c d") == 1.0 and similarity("a b c d", "a b x d") == 0.75
    row = {
        "attributes": {
            attrs.GEN_AI_OUTPUT_MESSAGES: json.dumps(
                [
                    {
                        "role": "assistant",
                        "parts": [
                            {"type": "text", "content": "Let me check."},
                            {"type": "tool_call", "id": "1", "name": "lookup", "arguments": {"q": "x"}},
                        ],
                    }
                ]
            )
        }
    }
    assert output_text(row) == 'Let me check.\n[tool call lookup {"q": "x"}]'


def test_prompt_version_config_applies_beneath_explicit_overrides(sqlite_app):
    app = sqlite_app
    span_id = app.chat(temperature=0.2)
    versions.create_version(
        app.engine, app.project_id, "plain", "Answer plainly.", config={"model": "gpt-4o", "temperature": 0.9}
    )

    replay_span(
        app.engine,
        app.project_id,
        span_id,
        Overrides(prompt="plain@v1", temperature=0.1),
        actor="t",
        base_url=app.mock.url,
    )

    body = json.loads(app.mock.requests[-1].body)
    assert body["model"] == "gpt-4o" and body["temperature"] == 0.1  # the explicit override wins
    assert body["messages"][0] == {"role": "system", "content": "Answer plainly."}


def test_a_chat_prompt_version_replaces_the_whole_conversation_with_the_original_variables(sqlite_app):
    app = sqlite_app
    app.chat()  # creates the project
    messages = [
        {"role": "system", "content": "Help {{customer}}."},
        {"role": "user", "content": "Order {{order}}?"},
    ]
    v1 = versions.create_version(app.engine, app.project_id, "chat", messages=messages)
    tool = {"name": "lookup_order", "parameters": {"type": "object"}}
    schema = {"name": "answer", "schema": {"type": "object"}}
    messages2 = [messages[0], {"role": "user", "content": "Where is order {{order}}, please?"}]
    versions.create_version(
        app.engine, app.project_id, "chat", messages=messages2, tools=[tool], response_format=schema
    )
    import otel_llm

    with otel_llm.tags(prompt_name="chat", prompt_version=1, prompt_hash=v1.version_hash):
        span_id = app.chat(
            messages=[{"role": "system", "content": "Help Ana."}, {"role": "user", "content": "Order 42?"}]
        )

    result = replay_span(
        app.engine, app.project_id, span_id, Overrides(prompt="chat@v2"), actor="t", base_url=app.mock.url
    )

    assert result.status == "ok", result.error
    body = json.loads(app.mock.requests[-1].body)
    assert body["messages"] == [
        {"role": "system", "content": "Help Ana."},
        {"role": "user", "content": "Where is order 42, please?"},
    ]
    assert body["tools"][0]["function"]["name"] == "lookup_order"
    assert body["response_format"] == {"type": "json_schema", "json_schema": schema}
    assert any("whole chat template" in note for note in result.notes)
