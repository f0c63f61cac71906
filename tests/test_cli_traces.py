"""CLI: traces, projects and keys commands through click's runner, on SQLite and Postgres."""

import json
import re

import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main

from otel_llm import tags
from otel_llm.accounts import authenticate
from otel_llm.storage.db import get_engine
from tests.span_factory import T0, emit, llm_attributes, span_pipeline


@pytest.fixture
def cli(db_url, monkeypatch):
    monkeypatch.delenv("OTEL_LLM_PROJECT", raising=False)

    def run(*args, ok=True):
        result = CliRunner().invoke(main, ["--database-url", db_url, *args], catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result

    return run


@pytest.fixture
def stored(db_url, tmp_path):
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        with tags(prompt_name="refunds", prompt_version="2"):
            emit(tracer, name="chat gpt-4o-mini", start_ns=T0, **llm_attributes(user="Where is my refund?"))
        emit(
            tracer,
            name="chat claude-haiku-4-5",
            start_ns=T0 + 10**9,
            error=True,
            **llm_attributes(model="claude-haiku-4-5", provider="anthropic"),
        )
        emit(tracer, name="GET /health", start_ns=T0 + 2 * 10**9)


def test_traces_list_table_and_filters(cli, stored):
    out = cli("traces", "list").output
    lines = out.strip().splitlines()
    assert lines[0].startswith("START (UTC)") and len(lines) == 3
    assert "claude-haiku-4-5" in lines[1] and " ERROR " in lines[1]  # newest first
    assert " OK " in lines[2] and "UNSET" not in out and "unset" not in out
    assert "refunds@2" in lines[2]
    assert "GET /health" not in out
    only = cli("traces", "list", "--provider", "anthropic").output
    assert "claude" in only and "gpt-4o-mini" not in only
    ok = cli("traces", "list", "--status", "ok").output  # UNSET (no error recorded) reads as OK
    assert "gpt-4o-mini" in ok and "claude-haiku-4-5" not in ok
    assert "GET /health" in cli("traces", "list", "--all").output


def test_traces_list_json_and_paging(cli, stored):
    first = json.loads(cli("traces", "list", "--json", "--limit", "1").output)
    assert [i["request_model"] for i in first["items"]] == ["claude-haiku-4-5"]
    second = json.loads(
        cli("traces", "list", "--json", "--limit", "1", "--cursor", first["next_cursor"]).output
    )
    assert [i["request_model"] for i in second["items"]] == ["gpt-4o-mini"]
    assert second["next_cursor"] is None
    bad = cli("traces", "list", "--cursor", "garbage", ok=False)
    assert "first page" in bad.output


def test_traces_list_ids_prints_only_span_ids_for_scripts(cli, stored):
    table = cli("traces", "list").output.splitlines()[1:]
    ids = cli("traces", "list", "--ids").output.split()
    assert ids == [line.split()[1] for line in table] and all(re.fullmatch("[0-9a-f]{16}", i) for i in ids)
    newest_ok = cli("traces", "list", "--status", "ok", "--ids").output.strip()
    assert "gpt-4o-mini" in cli("traces", "show", newest_ok).output


def test_traces_show_text_and_json(cli, stored):
    span_id = json.loads(cli("traces", "list", "--json", "--model", "gpt-4o-mini").output)["items"][0][
        "span_id"
    ]
    text = cli("traces", "show", span_id).output
    assert "Where is my refund?" in text and "You are terse." in text
    assert "prompt_name=refunds" in text and "tokens in 100, out 20" in text
    assert "None" not in text and "status OK" in text
    started = next(line for line in text.splitlines() if "started" in line)
    assert re.search(r"started \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", started)
    failed = json.loads(cli("traces", "list", "--json", "--status", "error").output)["items"][0]["span_id"]
    failed_text = cli("traces", "show", failed).output
    assert "status ERROR" in failed_text and "None" not in failed_text
    data = json.loads(cli("traces", "show", span_id, "--json").output)
    assert data["tokens"]["input"] == 100 and data["tags"]["prompt_version"] == "2"
    missing = cli("traces", "show", "0000000000000000", ok=False)
    assert "traces list" in missing.output


def test_traces_show_names_the_service_or_says_how_to_name_it(cli, db_url, tmp_path, monkeypatch):
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES", raising=False)
    with span_pipeline(db_url, tmp_path, service_name=None) as (tracer, _):
        _, unnamed = emit(tracer, start_ns=T0, **llm_attributes())
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        _, named = emit(tracer, start_ns=T0 + 10**9, **llm_attributes())
    line = next(x for x in cli("traces", "show", unnamed).output.splitlines() if "service" in x)
    assert "unknown_service" in line and "set OTEL_SERVICE_NAME" in line
    line = next(x for x in cli("traces", "show", named).output.splitlines() if "service" in x)
    assert line.strip() == "service test-app"


def test_unknown_project_says_how_to_create_it(cli, stored):
    result = cli("traces", "list", "--project", "nope", ok=False)
    assert "otel-llm projects create nope" in result.output


def test_unmigrated_database_says_db_upgrade(empty_db_url):
    result = CliRunner().invoke(main, ["--database-url", empty_db_url, "traces", "list"])
    assert result.exit_code != 0 and "otel-llm db upgrade" in result.output


def test_missing_sqlite_file_is_not_created(tmp_path):
    path = tmp_path / "nowhere.db"
    result = CliRunner().invoke(main, ["--database-url", f"sqlite:///{path}", "projects", "list"])
    assert result.exit_code != 0 and "otel-llm db upgrade" in result.output
    assert not path.exists()


def test_projects_and_keys_lifecycle(cli, db_url):
    assert "Created project 'support-bot'" in cli("projects", "create", "support-bot").output
    assert "already exists" in cli("projects", "create", "support-bot", ok=False).output
    assert "letters, digits" in cli("projects", "create", "bad name", ok=False).output
    assert re.search(
        r"^support-bot\s+0\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", cli("projects", "list").output, re.M
    )

    created = cli("keys", "create", "--project", "support-bot", "--role", "editor", "--name", "ci")
    token = created.stdout.strip()
    assert token.startswith("ollm_") and "not shown again" in created.stderr
    assert authenticate(get_engine(db_url), token).role == "editor"

    listed = cli("keys", "list", "--project", "support-bot").output
    assert "editor" in listed and "active" in listed and token not in listed
    prefix = token.split("_")[1]
    assert "Revoked" in cli("keys", "revoke", f"ollm_{prefix}").output
    assert "revoked" in cli("keys", "list", "--project", "support-bot").output
    assert authenticate(get_engine(db_url), token) is None
    assert "keys list" in cli("keys", "revoke", "99999", ok=False).output
    assert (
        "projects create" in cli("keys", "create", "--project", "ghost", "--role", "viewer", ok=False).output
    )


@pytest.mark.parametrize(
    "command",
    [
        ["traces", "list"],
        ["traces", "show"],
        ["projects", "create"],
        ["projects", "list"],
        ["keys", "create"],
        ["keys", "list"],
        ["keys", "revoke"],
    ],
)
def test_every_command_has_an_example(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and "Example:" in result.output


def test_terminal_escapes_in_stored_content_are_not_echoed(cli, db_url, tmp_path):
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        emit(tracer, name="chat \x1b[31mred", **llm_attributes(answer="clear\x1b[2Jscreen"))
    listing = cli("traces", "list").output
    span_id = json.loads(cli("traces", "list", "--json").output)["items"][0]["span_id"]
    shown = cli("traces", "show", span_id).output
    assert "\x1b" not in listing + shown
    assert "clear\\x1b[2Jscreen" in shown


def test_since_filter(cli, db_url, tmp_path):
    import time

    with span_pipeline(db_url, tmp_path) as (tracer, _):
        emit(tracer, name="old one", start_ns=T0, **llm_attributes())
        emit(tracer, name="recent one", start_ns=time.time_ns() - 5 * 60 * 10**9, **llm_attributes())

    def names(*args):
        return [i["name"] for i in json.loads(cli("traces", "list", "--json", *args).output)["items"]]

    assert names("--since", "1h") == ["recent one"]
    yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
    assert names("--since", yesterday) == ["recent one"]
    assert set(names("--since", "2000-01-01T00:00")) == {"old one", "recent one"}
    assert "use 30m, 12h, 7d" in cli("traces", "list", "--since", "yesterday", ok=False).output


def test_projects_list_counts_stored_spans(cli, stored):
    projects = {p["name"]: p for p in json.loads(cli("projects", "list", "--json").output)}
    assert projects["default"]["spans"] == 3
    assert "default" in cli("projects", "list").output


@pytest.fixture
def agent(db_url, tmp_path):
    from tests.agent_trace import emit_agent_trace

    with span_pipeline(db_url, tmp_path) as (tracer, _):
        emit(tracer, name="chat earlier", start_ns=T0 - 10**9, **llm_attributes())
        return emit_agent_trace(tracer)


def test_traces_list_traces_one_row_per_trace_with_totals(cli, agent):
    lines = cli("traces", "list", "--traces").output.strip().splitlines()
    assert lines[0].startswith("START (UTC)") and "LLM" in lines[0] and len(lines) == 3
    assert lines[1].split()[1] == agent["trace_id"] and "invoke_agent travel-planner" in lines[1]
    assert lines[1].split()[-5:] == ["600", "7", "3", "660", "0.000126"]
    assert (
        cli("traces", "list", "--traces", "--ids", "--model", "gpt-4o-mini").output.split()[0]
        == agent["trace_id"]
    )
    page = json.loads(cli("traces", "list", "--traces", "--json", "--limit", "1").output)
    assert page["items"][0]["span_count"] == 7 and page["next_cursor"]
    assert "start time only" in cli("traces", "list", "--traces", "--sort", "cost", ok=False).output


def test_traces_show_trace_id_prints_the_tree_and_span_ids_still_work(cli, agent):
    out = cli("traces", "show", agent["trace_id"]).output
    lines = out.splitlines()
    assert "7 spans, 3 LLM calls, tokens 600/60, cost $0.000126" in lines[1]
    assert lines[2].startswith("  invoke_agent travel-planner") and "3 LLM calls below" in lines[2]
    tool = next(line for line in lines if "execute_tool get_weather" in line)
    assert tool.startswith("    execute_tool") and "40.0 ms" in tool  # indented under the agent
    call = next(line for line in lines if agent["llm2"] in line)
    assert "tokens 200/20" in call and "$0.000042" in call
    assert json.loads(cli("traces", "show", agent["trace_id"], "--json").output)["summary"]["llm_calls"] == 3
    assert "step 1" in cli("traces", "show", agent["llm1"]).output  # a span id shows the span, as before
    missing = cli("traces", "show", "0" * 32, ok=False).output
    assert "no trace" in missing and "traces list --traces" in missing
