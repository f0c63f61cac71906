"""``otel-llm replay`` through click's runner, against spans recorded from real SDK calls."""

from __future__ import annotations

import json
import re

import openai
import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main

from tests import replay_support

sqlite_app = replay_support.sqlite_app  # fixture


@pytest.fixture
def run(sqlite_app, monkeypatch):
    monkeypatch.setenv("OTEL_LLM_MOCK_URL", sqlite_app.mock.url)

    def invoke(*args, color=False, input=None):
        return CliRunner().invoke(
            main, ["--database-url", sqlite_app.url, "replay", *args], color=color, input=input
        )

    return invoke


def test_replay_with_model_prints_plain_diff_and_deltas_when_piped(sqlite_app, run):
    span_id = sqlite_app.chat(model="gpt-4o-mini")
    result = run(span_id, "--model", "gpt-4o")

    assert result.exit_code == 0, result.output
    assert f"of span {span_id}: ok" in result.output
    assert "Overrides: model=gpt-4o" in result.output
    assert "[-" in result.output and "{+" in result.output and "\x1b[" not in result.output
    assert "changed, similarity" in result.output
    cost_line = next(line for line in result.output.splitlines() if line.startswith("cost"))
    assert "$" in cost_line and "+$" in cost_line and "%" in cost_line
    assert "gpt-4o-2024-08-06" in result.output


def test_replay_is_coloured_on_a_terminal(sqlite_app, run):
    span_id = sqlite_app.chat()
    result = run(span_id, "--temperature", "1.7", color=True)
    assert result.exit_code == 0, result.output
    assert "\x1b[32m" in result.output and "\x1b[31m" in result.output  # insertions green, deletions red
    assert "[-" not in result.output


def test_replay_json_and_same_request(sqlite_app, run):
    span_id = sqlite_app.chat(temperature=0.5)
    original = sqlite_app.mock.requests[-1].body
    result = run(span_id, "--json")

    data = json.loads(result.output)
    assert data["status"] == "ok" and data["overrides"] == {}
    assert data["comparison"]["output"]["changed"] is False
    assert sqlite_app.mock.requests[-1].body == original
    listed = run("list")
    assert re.search(
        rf"^\s*{data['id']}\s+\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+{span_id}\b", listed.output, re.M
    )
    [item] = json.loads(run("list", "--json").output)
    assert item["created_at"].endswith("Z") and "T" in item["created_at"]  # ISO 8601, UTC


def test_dry_run_prints_request_and_sends_nothing(sqlite_app, run, tmp_path):
    span_id = sqlite_app.chat()
    sqlite_app.mock.clear()
    prompt = tmp_path / "system.txt"
    prompt.write_text("You answer in French.")
    result = run(
        span_id,
        "--provider",
        "anthropic",
        "--model",
        "claude-haiku-4-5",
        "--system-prompt-file",
        str(prompt),
        "--dry-run",
    )

    assert result.exit_code == 0, result.output
    assert "would be sent to anthropic" in result.output
    assert '"system": "You answer in French."' in result.output and '"max_tokens": 1024' in result.output
    assert "sent 1024" in result.output  # the defaulted max_tokens is reported
    assert sqlite_app.mock.requests == []


def test_user_errors_are_sentences(sqlite_app, run):
    span_id = sqlite_app.chat()
    missing = run("00000000deadbeef")
    assert missing.exit_code == 1 and "otel-llm traces list" in missing.output
    both = run(span_id, "--system-prompt", "a", "--prompt", "support@v1")
    assert both.exit_code != 0 and "not both" in both.output
    no_model = run(span_id, "--provider", "anthropic")
    assert no_model.exit_code == 1 and "add --model" in no_model.output


def test_provider_error_exits_1_with_the_error(sqlite_app, run):
    with pytest.raises(openai.InternalServerError):
        sqlite_app.chat(messages=[{"role": "user", "content": "x [[mock:error=503]]"}])
    result = run(sqlite_app.last_span_id())
    assert result.exit_code == 1 and "Error:" in result.output and "503" in result.output


def test_batch_runs_and_show(sqlite_app, run):
    for question in ("one?", "two?", "three?"):
        sqlite_app.chat(messages=[{"role": "user", "content": question}], max_tokens=40)
    result = run(
        "batch",
        "--model",
        "gpt-4o-mini",
        "--limit",
        "2",
        "--with-model",
        "gpt-4o",
        "--concurrency",
        "2",
        "--json",
    )

    assert result.exit_code == 0, result.output
    run_data = json.loads(result.output[result.output.index("{") :])
    assert run_data["count"] == 2 and run_data["error_count"] == 0 and run_data["status"] == "ok"
    assert run_data["changed_share"] == 1.0 and run_data["cost_delta_usd"] > 0

    listed = run("runs")
    assert str(run_data["id"]) in listed.output and "model=gpt-4o" in listed.output
    shown = run("show", str(run_data["id"]))
    assert shown.exit_code == 0 and "Outputs changed: 100%" in shown.output
    assert shown.output.count(" ok ") >= 2
    assert run("show", "999").exit_code == 1
    iso = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"  # every time printed in ISO 8601, UTC
    assert re.search(rf"^\s*{run_data['id']}\s+{iso}\s+ok\b", listed.output, re.M), listed.output
    assert re.search(rf"started {iso}  finished {iso}", shown.output), shown.output


def test_help_has_examples():
    for args in (["replay", "--help"], ["replay", "batch", "--help"], ["replay", "runs", "--help"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0 and "Example:" in result.output
    assert "--system-prompt-file" in CliRunner().invoke(main, ["replay", "abc", "--help"]).output


def test_a_claude_model_on_an_openai_span_is_sent_to_anthropic(sqlite_app, run):
    span_id = sqlite_app.chat(model="gpt-4o-mini")
    result = run(span_id, "--model", "claude-haiku-4-5", "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "ok" and data["overrides"] == {"model": "claude-haiku-4-5"}  # as asked
    sent = sqlite_app.mock.requests[-1]
    assert sent.path == "/v1/messages" and sent.json["model"] == "claude-haiku-4-5"


def test_base_url_sends_the_replay_there(sqlite_app, run, monkeypatch):
    span_id = sqlite_app.chat(model="gpt-4o-mini")
    monkeypatch.delenv("OTEL_LLM_MOCK_URL")
    before = len(sqlite_app.mock.requests)
    result = run(span_id, "--model", "gpt-4o", "--base-url", sqlite_app.mock.url)

    assert result.exit_code == 0, result.output
    assert len(sqlite_app.mock.requests) == before + 1
    assert sqlite_app.mock.requests[-1].json["model"] == "gpt-4o"
