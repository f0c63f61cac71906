"""``otel-llm prompts`` and ``otel-llm feedback`` through click's runner, on SQLite and Postgres."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main

from tests.span_factory import emit, llm_attributes, span_pipeline


@pytest.fixture
def run(db_url, monkeypatch):
    monkeypatch.setenv("USER", "ana")

    def invoke(*args, input=None, ok=True):
        result = CliRunner().invoke(main, ["--database-url", db_url, *args], input=input)
        if ok:
            assert result.exit_code == 0, result.output
        else:
            assert result.exit_code != 0, result.output
        return result

    return invoke


def _json(result):
    return json.loads(result.output)


def _iso(text: str) -> datetime:
    """An ISO-8601 timestamp with its UTC offset (``…Z`` or ``…+00:00``), parsed."""
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() == timedelta(0), text
    return parsed


def test_create_from_file_and_stdin_then_list_show(run, tmp_path):
    source = tmp_path / "support.txt"
    source.write_text("You help {{customer}}.\n", encoding="utf-8")
    assert "Created support@v1" in run("prompts", "create", "support", "--file", str(source)).output
    out = run(
        "prompts",
        "create",
        "support",
        "-",
        "-m",
        "kinder",
        "--tag",
        "tone",
        "--config",
        '{"model": "gpt-4o"}',
        input="You kindly help {{customer}}.\n",
    ).output
    assert "Created support@v2" in out
    listed = _json(run("prompts", "list", "--json"))
    assert [(p["name"], p["versions"], p["latest_version"]) for p in listed] == [("support", 2, 2)]
    shown = _json(run("prompts", "show", "support@v2", "--json"))
    assert (shown["author"], shown["tags"], shown["config"]) == ("ana", ["tone"], {"model": "gpt-4o"})
    assert shown["change_summary"] == "kinder" and shown["parent_version"] == 1
    assert (
        "You kindly help {{customer}}." in run("prompts", "show", "support").output
    )  # latest when unpublished


def test_user_errors_are_sentences(run, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    assert "template is empty" in run("prompts", "create", "p", "--file", str(empty), ok=False).output
    assert "either with --file F or as -" in run("prompts", "create", "p", ok=False).output
    assert "not valid JSON" in run("prompts", "create", "p", "-", "--config", "{", input="x", ok=False).output
    run("prompts", "create", "p", "-", input="x")
    assert "p@v1 already has this template" in run("prompts", "create", "p", "-", input="x", ok=False).output
    assert "name a version, e.g." in run("prompts", "publish", "p", ok=False).output
    assert "has no version 9" in run("prompts", "publish", "p@v9", ok=False).output
    assert "does not exist" in run("prompts", "versions", "nope", ok=False).output


def test_publish_label_rollback_archive_duplicate_history(run):
    for text in ("one", "two", "three"):
        run("prompts", "create", "p", "-", input=text)
    assert "production: nothing → v1" in run("prompts", "publish", "p@v1").output
    run("prompts", "publish", "p@v3", "--author", "bo")
    run("prompts", "label", "p@v2", "staging")
    assert "production (rollback): v3 → v1" in run("prompts", "rollback", "p").output
    assert "v1 → v2" in run("prompts", "rollback", "p", "--to", "v2").output
    assert "cannot be archived" in run("prompts", "archive", "p@v2", ok=False).output
    assert "archived" in run("prompts", "archive", "p@v1").output
    assert "Created p@v4 from v1" in run("prompts", "duplicate", "p@v1").output
    versions = _json(run("prompts", "versions", "p", "--json"))
    assert [(v["version"], v["labels"], v["archived"]) for v in versions] == [
        (4, [], False),
        (3, [], False),
        (2, ["production", "staging"], False),
        (1, [], True),
    ]
    moves = _json(run("prompts", "history", "p", "--json"))
    assert [(m["action"], m["label"], m["from_version"], m["to_version"], m["actor"]) for m in moves] == [
        ("rollback", "production", 1, 2, "ana"),
        ("rollback", "production", 3, 1, "ana"),
        ("label", "staging", None, 2, "ana"),
        ("publish", "production", 1, 3, "bo"),
        ("publish", "production", None, 1, "ana"),
    ]
    assert "rollback  production   v1 → v2" in run("prompts", "history", "p").output


def test_diff_is_unified_and_plain_when_piped(run, db_url):
    run("prompts", "create", "p", "-", input="line one\nline two\n")
    run("prompts", "create", "p", "-", "--config", '{"temperature": 0.5}', input="line one\nline 2\n")
    out = run("prompts", "diff", "p@v1", "p@v2").output
    assert "--- p@v1 template" in out and "-line two" in out and "+line 2" in out
    assert '+  "temperature": 0.5' in out
    assert "\x1b[" not in out  # CliRunner is not a terminal: no colour codes
    coloured = CliRunner().invoke(
        main, ["--database-url", db_url, "prompts", "diff", "p@v1", "p@v2"], color=True
    )
    assert "\x1b[32m+line 2" in coloured.output


def test_stats_and_feedback(run, db_url, tmp_path):
    run("prompts", "create", "p", "-", input="You are terse.")
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        now = time.time_ns()
        trace_id, span_id = emit(tracer, start_ns=now, duration_ms=120.0, **llm_attributes())
        emit(tracer, start_ns=now, duration_ms=80.0, error=True, **llm_attributes())
    assert "Recorded score 1 on span" in run("feedback", "add", span_id, "1", "--comment", "great").output
    assert "neither a span id" in run("feedback", "add", "zz", "1", ok=False).output
    stats = _json(run("prompts", "stats", "p", "--since", "1h", "--json"))
    (v1,) = stats["versions"]
    assert (v1["calls"], v1["success_rate"], v1["avg_feedback"], v1["p50_ms"]) == (2, 0.5, 1.0, 100.0)
    table = run("prompts", "stats", "p").output
    assert "50.0%" in table and "v1" in table
    assert "invalid time window" in run("prompts", "stats", "p", "--since", "soon", ok=False).output
    added = _json(run("feedback", "add", trace_id, "0.5", "--comment", "fine", "--json"))
    assert (added["trace_id"], added["span_id"], added["score"], added["source"]) == (
        trace_id,
        None,
        0.5,
        "cli",
    )
    listed = _json(run("feedback", "list", trace_id, "--json"))
    assert [(f["score"], f["comment"], f["source"]) for f in listed] == [
        (0.5, "fine", "cli"),
        (1.0, "great", "cli"),
    ]
    assert all(_iso(f["created_at"]) for f in listed)
    lines = run("feedback", "list", trace_id).output.splitlines()
    assert [_iso(line.split()[0]) is not None for line in lines] == [True, True]


def test_every_command_has_an_example():
    from otel_llm_server.cli.feedback import feedback
    from otel_llm_server.cli.prompts import prompts

    for group in (prompts, feedback):
        for name, command in group.commands.items():
            assert "Example:" in (command.help or ""), name


def test_every_write_command_answers_json(run):
    created = _json(run("prompts", "create", "p", "-", "--json", input="Hi {{ customer }}"))
    assert created["name"] == "p" and created["version"] == 1 and created["author"] == "ana"
    assert created["created_at"].endswith("+00:00")
    run("prompts", "create", "p", "-", input="Hello {{ customer }}")
    published = _json(run("prompts", "publish", "p@v1", "--json"))
    assert (published["prompt"], published["label"], published["to_version"]) == ("p", "production", 1)
    labelled = _json(run("prompts", "label", "p@v2", "staging", "--json"))
    assert labelled["label"] == "staging" and labelled["to_version"] == 2
    removed = _json(run("prompts", "unlabel", "p", "staging", "--json"))
    assert removed["from_version"] == 2 and removed["to_version"] is None
    run("prompts", "publish", "p@v2")
    rolled = _json(run("prompts", "rollback", "p", "--json"))
    assert (rolled["from_version"], rolled["to_version"]) == (2, 1)
    assert _json(run("prompts", "archive", "p@v2", "--json"))["archived"] is True
    assert _json(run("prompts", "duplicate", "p@v1", "--json"))["version"] == 3


def test_the_actor_is_recorded_without_user_variables(run, monkeypatch):
    for name in ("USER", "LOGNAME", "USERNAME", "LNAME"):
        monkeypatch.delenv(name, raising=False)
    created = _json(run("prompts", "create", "p", "-", "--json", input="one"))
    assert created["author"]  # the account running the command, not an empty string
    moved = _json(run("prompts", "publish", "p@v1", "--json"))
    assert moved["actor"] == created["author"]


def test_diff_accepts_a_name_and_two_version_numbers(run):
    run("prompts", "create", "p", "-", input="line one\n")
    run("prompts", "create", "p", "-", input="line 1\n")
    run("prompts", "create", "p", "-", input="line I\n")
    assert "-line 1" in run("prompts", "diff", "p", "2", "3").output
    assert "-line one" in run("prompts", "diff", "p@v1", "3").output
    assert "+line I" in run("prompts", "diff", "p", "v1", "v3").output
    wrong = run("prompts", "diff", "p", ok=False)
    assert "otel-llm prompts diff NAME 2 3" in wrong.output


def test_broken_placeholder_is_refused_at_create_with_its_position(run):
    refused = run("prompts", "create", "p", "-", input="Hello,\nHi {{ customer", ok=False)
    assert "line 2, column 4" in refused.output and "{{ customer" in refused.output
    assert "No prompts yet" in run("prompts", "list").output  # nothing was stored
    assert "Created p@v1" in run("prompts", "create", "p", "-", input='Reply as JSON: {{"ok": true}}').output
