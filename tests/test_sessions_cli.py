"""``otel-llm sessions list/show`` and ``traces list --user/--session`` on stored conversations."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main

from tests.conversations_data import store_conversations


@pytest.fixture
def cli(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.delenv("OTEL_LLM_PROJECT", raising=False)
    store_conversations(sqlite_url, tmp_path)

    def run(*args, ok=True):
        result = CliRunner().invoke(main, ["--database-url", sqlite_url, *args], catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    return run


def test_sessions_list_table_user_filter_and_pages(cli):
    lines = cli("sessions", "list").strip().splitlines()
    assert lines[0].split()[:4] == ["SESSION", "USER", "LAST", "(UTC)"]
    assert [line.split()[0] for line in lines[1:]] == ["conv-3", "conv-2", "conv-1"]
    conv1 = lines[3].split()
    assert conv1[1] == "u-1" and conv1[3:6] == ["3", "4", "440"]
    assert "helpfulness=3" in lines[3] and "exact=0/1 true" in lines[3]
    mine = cli("sessions", "list", "--user", "u-1", "--json")
    assert [c["session_id"] for c in json.loads(mine)["items"]] == ["conv-3", "conv-1"]
    first = cli("sessions", "list", "--limit", "1")
    cursor = first.strip().splitlines()[-1].split("--cursor ")[1].split()[0]
    assert cli("sessions", "list", "--limit", "1", "--cursor", cursor).splitlines()[1].startswith("conv-2")
    assert "start again" in cli("sessions", "list", "--cursor", "nope", ok=False)


def test_sessions_show_prints_turns_in_order(cli):
    out = cli("sessions", "show", "conv-1")
    assert out.splitlines()[0] == "Session conv-1  user u-1"
    assert "3 turns, 4 LLM calls, 440 tokens" in out
    turns = [line for line in out.splitlines() if line.startswith("#")]
    assert [t.split()[0] for t in turns] == ["#1", "#2", "#3"]
    assert "agent turn" in turns[0] and "2 calls" in turns[0] and "1 errors" in turns[2]
    assert out.index("user:   Where is my order?") < out.index("answer: It ships today.")
    assert out.index("It ships today.") < out.index("Can I change the address?")
    data = json.loads(cli("sessions", "show", "conv-1", "--json"))
    assert [t["user_input"] for t in data["turns_page"]["items"]][2] == "Cancel it."
    assert "otel-llm sessions list" in cli("sessions", "show", "conv-9", ok=False)


def test_traces_list_by_user_and_session(cli):
    by_user = json.loads(cli("traces", "list", "--user", "u-1", "--json"))["items"]
    assert {i["session_id"] for i in by_user} == {"conv-1", "conv-3"} and len(by_user) == 5
    by_session = json.loads(cli("traces", "list", "--session", "conv-2", "--all", "--json"))["items"]
    assert {i["name"] for i in by_session} == {"agent turn", "chat gpt-4o-mini"}
