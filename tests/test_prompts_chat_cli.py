"""The issue's path end to end, on SQLite and Postgres: a chat prompt with a tool and a JSON response
format created from a YAML file with the CLI, fetched by the SDK, rendered into real openai and
anthropic calls against the local provider, linked in stored spans, and diffed with the CLI."""

from __future__ import annotations

import json

import anthropic
import openai
import pytest
import yaml
from click.testing import CliRunner
from otel_llm_server.cli.main import main

import otel_llm
from otel_llm.prompts import catalog, client, metrics
from otel_llm.storage.db import get_engine

PROMPT_YAML = """\
model: gpt-4o-mini
max_tokens: 64
messages:
  - role: system
    content: You are the support agent of a shop.
  - role: user
    content: "Where is order {{order}}?"
tools:
  - name: lookup_order
    description: Find an order by id
    parameters:
      type: object
      properties: {order_id: {type: string}}
      required: [order_id]
response_format:
  name: answer
  schema:
    type: object
    properties: {reply: {type: string}}
    required: [reply]
"""


@pytest.fixture
def run(db_url, monkeypatch):
    monkeypatch.setenv("USER", "ana")

    def invoke(*args, ok=True):
        result = CliRunner().invoke(main, ["--database-url", db_url, *args])
        assert (result.exit_code == 0) == ok, result.output
        return result

    return invoke


def test_chat_prompt_from_a_yaml_file_to_real_sdk_calls_and_a_diff(
    run, db_url, mock_llm, tmp_path, monkeypatch
):
    from otel_llm import pipeline

    (tmp_path / "support.yaml").write_text(PROMPT_YAML, encoding="utf-8")
    assert (
        "Created support@v1"
        in run("prompts", "create", "support", "--file", str(tmp_path / "support.yaml")).output
    )
    run("prompts", "publish", "support@v1")
    shown = run("prompts", "show", "support").output
    assert "[2] user:\nWhere is order {{order}}?" in shown and "--- tool lookup_order" in shown
    assert '"reply"' in shown and "variables: order" in shown

    monkeypatch.setenv("OTEL_LLM_DATABASE_URL", db_url)
    monkeypatch.setenv("OTEL_LLM_SPOOL_DIR", str(tmp_path / "spool"))
    client.clear_cache()
    otel_llm.configure(database_url=db_url, project="default")
    otel_llm.instrument()
    try:
        prompt = otel_llm.get_prompt("support")
        o_sdk = openai.OpenAI(base_url=mock_llm.url + "/v1", api_key="test", max_retries=0)
        a_sdk = anthropic.Anthropic(base_url=mock_llm.url, api_key="test", max_retries=0)
        with prompt:
            answer = o_sdk.chat.completions.create(**prompt.openai_kwargs(order="42"))
            reply = a_sdk.messages.create(
                **prompt.anthropic_kwargs(order="42") | {"model": "claude-haiku-4-5"}
            )
        pipeline.flush()
    finally:
        otel_llm.uninstrument()
        pipeline.shutdown()
        client.clear_cache()
    # the local provider answers with a call of the prompt's tool: the tool reached both SDK calls
    assert answer.choices[0].message.tool_calls[0].function.name == "lookup_order"
    assert [b.name for b in reply.content if b.type == "tool_use"] == ["lookup_order"]
    engine = get_engine(db_url)
    pid = catalog.project_id(engine, "default")
    assert {m.version: m.calls for m in metrics.version_metrics(engine, pid, "support", since=None)}[1] == 2

    doc = yaml.safe_load(PROMPT_YAML)
    doc["messages"][1]["content"] = "Where is my order {{order}}?"
    doc["tools"][0]["description"] = "Find one order"
    (tmp_path / "v2.json").write_text(json.dumps(doc), encoding="utf-8")
    run("prompts", "create", "support", "-f", str(tmp_path / "v2.json"), "-m", "clearer")
    diff = run("prompts", "diff", "support", "1", "2").output
    assert "-Where is order {{order}}?" in diff and "+Where is my order {{order}}?" in diff
    assert "~ tools.lookup_order.description: 'Find an order by id' -> 'Find one order'" in diff


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("messages: [{role: user, content: 'Hi {% if x %}'}]\nformat: jinja2\n", "line 1, column 4"),
        ("template: hi\nmessages: []\n", "either template"),
        ("template: hi\ncolour: red\n", "unknown key"),
        ("template: [unclosed\n", "not valid YAML"),
        ("template: 5\n", "must be text"),
        ("template: hi\nformat: 7\n", "unknown template format"),
        ("template: hi\nconfig: fast\n", "config must be an object"),
    ],
)
def test_bad_prompt_files_are_refused_with_a_sentence(run, tmp_path, text, message):
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    assert message in run("prompts", "create", "p", "-f", str(tmp_path / "p.yaml"), ok=False).output


def test_show_lists_the_prompts_that_include_this_one(run, tmp_path):
    (tmp_path / "f.txt").write_text("Bye {{agent}}", encoding="utf-8")
    (tmp_path / "m.yaml").write_text(
        "format: jinja2\nmessages: [{role: system, content: 'Hi {% include \"footer@v1\" %}'}]\n",
        encoding="utf-8",
    )
    run("prompts", "create", "footer", "-f", str(tmp_path / "f.txt"), "--format", "jinja2")
    run("prompts", "create", "mail", "-f", str(tmp_path / "m.yaml"))
    assert "referenced by: mail@v1 (footer@v1)" in run("prompts", "show", "footer@v1").output
    assert "includes: footer@v1 -> footer@v1" in run("prompts", "show", "mail@v1").output
    data = json.loads(run("prompts", "show", "footer@v1", "--json").output)
    assert data["referenced_by"] == [
        {"name": "mail", "version": 1, "ref": "footer@v1", "included_version": 1}
    ]


def test_a_change_to_the_tools_alone_gives_the_version_another_hash(run, tmp_path):
    first, second = tmp_path / "v1.yaml", tmp_path / "v2.yaml"
    first.write_text(PROMPT_YAML)
    second.write_text(PROMPT_YAML.replace("Find an order by id", "Find one order by its id"))
    hashes = []
    for path in (first, second):
        out = run("prompts", "create", "support-chat", "--file", str(path)).output
        hashes.append(out.split("(hash ")[1].split(")")[0])
    assert hashes[0] != hashes[1], "the tools are part of the version's hash"
    shown = run("prompts", "show", "support-chat@v2").output
    assert f"hash: {hashes[1]}" in shown
