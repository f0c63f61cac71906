"""Evaluation and experiment runs send the whole prompt version they name, rendered in its format
(chat messages, tools, response format, Jinja logic, includes), through the real SDKs against the
local provider, on SQLite and Postgres."""

from __future__ import annotations

import pytest

from otel_llm import pipeline
from otel_llm.evaluation import runs
from otel_llm.experiments import runs as experiment_runs
from otel_llm.experiments import service
from otel_llm.experiments.errors import ExperimentError
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.experiments.validation import case_from_text
from otel_llm.prompts import labels, versions
from otel_llm.prompts.catalog import project_id as prompt_project
from otel_llm.storage.db import get_engine
from tests.evaluation_data import make_dataset

P = "default"
LOOKUP = {
    "name": "lookup_order",
    "description": "Find an order by its number.",
    "parameters": {"type": "object", "properties": {"number": {"type": "string"}}, "required": ["number"]},
}
ANSWER = {
    "name": "answer",
    "schema": {"type": "object", "properties": {"reply": {"type": "string"}}, "required": ["reply"]},
}


@pytest.fixture(autouse=True)
def _pipeline_torn_down():
    yield
    pipeline.uninstrument()
    pipeline.shutdown()


def _chat_version(engine, project_id, name="support", **content):
    versions.create_version(engine, project_id, "footer", "Sign as {{agent}}.")
    labels.publish(engine, project_id, "footer", 1)
    return versions.create_version(
        engine,
        project_id,
        name,
        messages=content.get("messages")
        or [
            {"role": "system", "content": "You help {{customer}}. {{> footer@production}}"},
            {"role": "user", "content": "{{question}}"},
        ],
        tools=[LOOKUP],
        response_format=ANSWER,
        config={"model": "gpt-4o-mini", "temperature": 0.3},
    )


def _run(engine, mock_llm, dataset, prompt, variants=("a:model=gpt-4o-mini",)):
    spec = runs.RunSpec(dataset, tuple(variants), ("contains",), prompt=prompt, base_url=mock_llm.url)
    return runs.run_evaluation(engine, P, spec)


def test_an_eval_run_over_a_chat_version_sends_its_messages_tools_and_response_format(db_url, mock_llm):
    engine = get_engine(db_url)
    variables = {"customer": "Ada", "question": "Where is order 42?", "agent": "Sam"}
    project_id = make_dataset(engine, P, "orders", [(variables, "on its way")])
    _chat_version(engine, project_id)
    report = _run(
        engine, mock_llm, "orders", "support@v1", ("a:model=gpt-4o-mini", "b:model=claude-3-5-haiku-latest")
    )
    assert (report.done, report.failed) == (2, 0)
    sent = {r.json["model"]: r.json for r in mock_llm.requests}
    openai = sent["gpt-4o-mini"]
    assert openai["messages"] == [
        {"role": "system", "content": "You help Ada. Sign as Sam."},
        {"role": "user", "content": "Where is order 42?"},
    ]
    assert [t["function"]["name"] for t in openai["tools"]] == ["lookup_order"]
    assert openai["response_format"]["type"] == "json_schema"
    assert openai["response_format"]["json_schema"]["schema"] == ANSWER["schema"]
    assert openai["temperature"] == 0.3  # the version's parameters
    anthropic = sent["claude-3-5-haiku-latest"]  # the same version through the Anthropic adapter
    assert anthropic["system"] == "You help Ada. Sign as Sam."
    assert anthropic["messages"] == [{"role": "user", "content": "Where is order 42?"}]
    assert [t["name"] for t in anthropic["tools"]] == ["lookup_order"]
    assert anthropic["output_config"]["format"]["schema"] == ANSWER["schema"]


def test_an_items_messages_follow_the_chat_versions_messages(db_url, mock_llm):
    engine = get_engine(db_url)
    project_id = make_dataset(engine, P, "chats", [("Hi there", "hello")])
    _chat_version(engine, project_id, messages=[{"role": "system", "content": "Be brief."}])
    report = _run(engine, mock_llm, "chats", "support@v1")
    assert (report.done, report.failed) == (1, 0)
    sent = mock_llm.requests[-1].json
    assert sent["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi there"},
    ]
    assert [t["function"]["name"] for t in sent["tools"]] == ["lookup_order"]


def test_a_jinja_version_renders_its_conditional_per_item(db_url, mock_llm):
    engine = get_engine(db_url)
    rows = [({"customer": "Ada", "vip": True}, "x"), ({"customer": "Bo", "vip": False}, "x")]
    project_id = make_dataset(engine, P, "tiers", rows)
    versions.create_version(
        engine,
        project_id,
        "tiered",
        "{% if vip %}Priority care for {{ customer }}.{% else %}Help {{ customer }}.{% endif %}",
        template_format="jinja2",
    )
    report = _run(engine, mock_llm, "tiers", "tiered@v1")
    assert (report.done, report.failed) == (2, 0)
    # A text version is the user message of an item without messages, as before.
    sent = sorted(r.json["messages"][0]["content"] for r in mock_llm.requests)
    assert sent == ["Help Bo.", "Priority care for Ada."]
    assert all(r.json["messages"][0]["role"] == "user" for r in mock_llm.requests)


def test_a_missing_variable_fails_that_item_only(db_url, mock_llm):
    engine = get_engine(db_url)
    rows = [({"customer": "Ada", "question": "Hi?", "agent": "Sam"}, "x"), ({"customer": "Bo"}, "x")]
    project_id = make_dataset(engine, P, "partial", rows)
    _chat_version(engine, project_id)
    report = _run(engine, mock_llm, "partial", "support@v1")
    assert (report.done, report.failed) == (2, 1)
    assert len(mock_llm.requests) == 1


def test_an_experiment_variant_sends_its_chat_version_with_the_test_case_after_it(db_url, mock_llm):
    engine = get_engine(db_url)
    project_id = prompt_project(engine, P, create=True)
    _chat_version(engine, project_id, messages=[{"role": "system", "content": "{{> footer@production}}"}])
    # the footer needs {{agent}}, which a test case cannot give: a second version without variables
    versions.create_version(
        engine,
        project_id,
        "support",
        messages=[{"role": "system", "content": "Be brief."}],
        tools=[LOOKUP],
        response_format=ANSWER,
    )
    config = {"provider": "openai", "model": "gpt-4o-mini"}
    spec = ExperimentSpec(
        name="chat-prompts",
        variants=[
            VariantSpec("v2", 50, True, {**config, "prompt_ref": "support@v2"}),
            VariantSpec("plain", 50, False, config),
        ],
        test_cases=[case_from_text("Where is order 42?")],
    )
    service.create_experiment(engine, P, spec)
    experiment_runs.run_experiment(engine, P, "chat-prompts", concurrency=1, base_url=mock_llm.url)
    [sent] = [r.json for r in mock_llm.requests if "tools" in r.json]
    assert sent["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Where is order 42?"},
    ]
    assert [t["function"]["name"] for t in sent["tools"]] == ["lookup_order"]
    assert sent["response_format"]["json_schema"]["name"] == "answer"

    service.create_experiment(
        engine,
        P,
        ExperimentSpec(
            name="needs-vars",
            variants=[
                VariantSpec("v1", 50, True, {**config, "prompt_ref": "support@v1"}),
                VariantSpec("plain", 50, False, config),
            ],
            test_cases=[case_from_text("Hello")],
        ),
    )
    with pytest.raises(ExperimentError, match="needs variables \\(agent\\)"):
        experiment_runs.run_experiment(engine, P, "needs-vars", base_url=mock_llm.url)


def test_a_chat_judge_prompt_in_jinja_is_sent_whole(db_url, mock_llm):
    engine = get_engine(db_url)
    project_id = make_dataset(engine, P, "faq", [("Reset my password", "Use the sign-in page.")])
    versions.create_version(
        engine,
        project_id,
        "judge-terse",
        messages=[
            {"role": "system", "content": 'Reply with JSON only: {"score": <integer from 1 to 5>}'},
            {
                "role": "user",
                "content": "<answer>{{ output }}</answer>"
                "{% if expected != '(none)' %}<reference>{{ expected }}</reference>{% endif %}",
            },
        ],
        template_format="jinja2",
        config={"model": "gpt-4o-mini", "temperature": 0},
    )
    spec = runs.RunSpec("faq", ("a:model=gpt-4o-mini",), ("judge:terse",), base_url=mock_llm.url)
    report = runs.run_evaluation(engine, P, spec)
    assert (report.done, report.failed, report.evaluator_errors) == (1, 0, 0)
    judged = mock_llm.requests[-1].json
    assert judged["messages"][0] == {
        "role": "system", "content": 'Reply with JSON only: {"score": <integer from 1 to 5>}'
    }  # fmt: skip
    assert judged["messages"][1]["content"].startswith("<answer>")
    assert judged["messages"][1]["content"].endswith("</answer><reference>Use the sign-in page.</reference>")
