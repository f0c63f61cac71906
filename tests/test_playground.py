"""The playground service: a set-up opened from a stored span or a prompt version, run against the
local provider through the server-call path (spans in the caller's project, never app traffic), and
kept as a new prompt version or a dataset item."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from otel_llm import datasets, playground
from otel_llm.accounts import create_project
from otel_llm.playground import save
from otel_llm.playground.setup import validated
from otel_llm.prompts import labels, versions
from otel_llm.storage.schema import spans
from otel_llm.traces import overview
from tests import replay_support

app = replay_support.app  # fixture

TOOL = {
    "name": "lookup_order",
    "description": "Find an order",
    "parameters": {"type": "object", "properties": {"id": {"type": "string"}}},
}
SCHEMA = {"name": "answer", "schema": {"type": "object", "properties": {"reply": {"type": "string"}}}}


def test_a_span_opens_with_its_request_and_runs_with_another_model(app):
    span_id = app.chat()
    setup = playground.from_span(app.engine, app.project_id, span_id)
    assert setup.provider == "openai" and setup.model == "gpt-4o-mini"
    assert [m["role"] for m in setup.messages] == ["system", "user"]
    assert setup.messages[1]["content"] == "Where is my order?"

    setup.model = "gpt-4o"
    outcome = playground.run(app.engine, app.project_id, setup, base_url=app.mock.url)
    assert outcome.status == "ok", outcome.error
    assert outcome.output and outcome.model.startswith("gpt-4o")
    assert outcome.input_tokens and outcome.cost_usd and outcome.duration_ms is not None
    with app.engine.connect() as conn:
        row = conn.execute(select(spans).where(spans.c.span_id == outcome.span_id)).mappings().one()
    assert row["project_id"] == app.project_id and row["evaluation"] == "playground"
    assert row["request_model"] == "gpt-4o"


def test_playground_runs_never_count_as_traffic(app):
    span_id = app.chat()
    before = overview.overview(app.engine, app.project_id)
    setup = playground.from_span(app.engine, app.project_id, span_id)
    playground.run(app.engine, app.project_id, setup, base_url=app.mock.url)
    after = overview.overview(app.engine, app.project_id)
    assert after["totals"] == before["totals"]


def test_a_chat_version_opens_with_variables_tools_and_schema_and_saves_the_next_version(app):
    app.chat()
    versions.create_version(
        app.engine,
        app.project_id,
        "support-chat",
        messages=[
            {"role": "system", "content": "Help {{customer}}."},
            {"role": "user", "content": "{{question}}"},
        ],
        tools=[TOOL],
        response_format=SCHEMA,
        config={"model": "gpt-4o-mini", "temperature": 0.2},
    )
    setup = playground.from_version(app.engine, app.project_id, "support-chat")
    assert setup.variables == {"customer": "", "question": ""}
    assert setup.tools[0]["name"] == "lookup_order" and setup.response_format["name"] == "answer"
    assert setup.params == {"temperature": 0.2}

    setup.variables = {"customer": "Ada", "question": "Where is order 7?"}
    outcome = playground.run(app.engine, app.project_id, setup, base_url=app.mock.url)
    assert outcome.status == "ok", outcome.error
    sent = app.mock.requests[-1].json
    assert (
        sent["messages"][0]["content"] == "Help Ada."
        and sent["tools"][0]["function"]["name"] == "lookup_order"
    )
    assert sent["response_format"]["type"] == "json_schema"

    setup.params["temperature"] = 0.7
    saved = save.save_version(app.engine, app.project_id, "support-chat", setup, "warmer", "ada@example.com")
    assert saved.version == 2 and saved.config["temperature"] == 0.7
    assert saved.tools[0]["name"] == "lookup_order" and saved.change_summary == "warmer"


def test_a_run_is_added_to_a_dataset_with_its_answer_as_expected_output(app):
    span_id = app.chat()
    setup = playground.from_span(app.engine, app.project_id, span_id)
    outcome = playground.run(app.engine, app.project_id, setup, base_url=app.mock.url)
    datasets.create(app.engine, app.project_id, "tried")
    number = save.add_to_dataset(
        app.engine, app.project_id, "tried", outcome.trace_id, outcome.span_id, "ada"
    )
    item = datasets.resolve(app.engine, app.project_id, "tried", number)[0]
    assert item.expected_output == outcome.output
    assert item.input["messages"][-1]["content"] == "Where is my order?"


def test_a_missing_variable_and_bad_input_are_clear_errors(app):
    setup = validated(
        provider="openai", model="gpt-4o", messages=[{"role": "user", "content": "Hi {{name}}"}]
    )
    with pytest.raises(playground.PlaygroundError, match="name"):
        playground.run(app.engine, 1, setup)
    with pytest.raises(playground.PlaygroundError, match="unknown provider"):
        validated(provider="nope", model="m", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(playground.PlaygroundError, match="temperature must be a number"):
        validated(
            provider="openai",
            model="m",
            messages=[{"role": "user", "content": "x"}],
            params={"temperature": "hot"},
        )


def test_another_projects_span_does_not_open(app):
    span_id = app.chat()
    other = create_project(app.engine, "other")
    with pytest.raises(playground.PlaygroundError, match="no span"):
        playground.from_span(app.engine, other.id, span_id)


def test_a_version_that_includes_another_prompt_runs_with_the_included_text(app):
    app.chat()
    versions.create_version(app.engine, app.project_id, "footer", "Thanks for writing to us.")
    labels.publish(app.engine, app.project_id, "footer", 1)
    versions.create_version(
        app.engine, app.project_id, "support", "Help {{customer}}. {{> footer@production}}"
    )
    setup = playground.from_version(app.engine, app.project_id, "support")
    setup.variables = {"customer": "Ada"}
    setup.messages[1]["content"] = "Hello"
    setup.model = "gpt-4o-mini"
    setup.provider = "openai"
    outcome = playground.run(app.engine, app.project_id, setup, base_url=app.mock.url)
    assert outcome.status == "ok", outcome.error
    assert app.mock.requests[-1].json["messages"][0]["content"] == "Help Ada. Thanks for writing to us."
