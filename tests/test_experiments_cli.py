"""``otel-llm experiments``: the commands a user types, over a real database and the local provider."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import click
import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main
from sqlalchemy import func, select

from otel_llm import pipeline
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema_experiments import experiment_run_items, experiment_runs

A = "name=a,provider=openai,model=gpt-4o-mini,temperature=0.7"
B = "name=b,provider=anthropic,model=claude-3-5-haiku-latest,max_tokens=64"


@pytest.fixture(autouse=True)
def _pipeline_torn_down():
    yield
    pipeline.uninstrument()
    pipeline.shutdown()


def _cli(url, *args, env=None):
    result = CliRunner().invoke(
        main, ["--database-url", url, "experiments", *args], env=env, catch_exceptions=False
    )
    return result


def test_create_run_results_promote(db_url, mock_llm, tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"input": "Summarise tracing"}\n{"messages": [{"role": "user", "content": "Hi"}]}\n')
    created = _cli(
        db_url,
        "create",
        "bakeoff",
        "--variant",
        A,
        "--variant",
        B,
        "--weights",
        "60,40",
        "--test-case",
        "What is a span?",
        "--test-cases",
        str(cases),
        "--hypothesis",
        "b is faster",
    )
    assert created.exit_code == 0, created.output
    assert "2 variants and 3 test cases" in created.output
    listed = json.loads(_cli(db_url, "list", "--json").output)
    assert [(e["name"], e["status"]) for e in listed] == [("bakeoff", "draft")]
    assert [(v["name"], v["weight"], v["is_control"]) for v in listed[0]["variants"]] == [
        ("a", 60, True),
        ("b", 40, False),
    ]

    ran = _cli(
        db_url,
        "run",
        "bakeoff",
        "--repeat",
        "2",
        "--concurrency",
        "2",
        env={"OTEL_LLM_MOCK_URL": mock_llm.url},
    )
    assert ran.exit_code == 0, ran.output
    assert "12 of 12 calls done (0 failed now)" in ran.output
    data = json.loads(_cli(db_url, "results", "bakeoff", "--json").output)
    assert [(v["name"], v["calls"], v["success_rate"]) for v in data["variants"]] == [
        ("a", 6, 1.0),
        ("b", 6, 1.0),
    ]
    assert {c["metric"] for c in data["comparisons"]} == {"success_rate", "latency_ms", "cost_usd"}
    text = _cli(db_url, "results", "bakeoff").output
    assert "a (control)" in text and "Welch's t-test" in text and "95 % CI" in text
    shown = _cli(db_url, "show", "bakeoff").output
    assert "b is faster" in shown and "completed  2" in shown

    promoted = _cli(db_url, "promote", "bakeoff", "b")
    assert promoted.exit_code == 0 and "apps now get b" in promoted.output
    assert json.loads(_cli(db_url, "show", "bakeoff", "--json").output)["winner"] == "b"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "x", "--variant", A], "at least 2 variants"),
        (["create", "x", "--variant", A, "--variant", B, "--weights", "50,40"], "add up to 100"),
        (
            ["create", "x", "--variant", A, "--variant", B.replace("anthropic", "mistral")],
            "unknown provider 'mistral'",
        ),
        (["create", "x", "--variant", A, "--variant", A], "duplicate variant name(s): a"),
        (
            ["create", "x", "--variant", A + ",control=true", "--variant", B + ",control=true"],
            "exactly one variant",
        ),
        (["show", "nope"], "does not exist"),
        (["start", "nope"], "does not exist"),
        (["run", "nope"], "does not exist"),
    ],
)
def test_user_errors_say_what_to_do(db_url, args, message):
    result = _cli(db_url, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_jsonl_stores_nothing(sqlite_url, tmp_path):
    assert _cli(sqlite_url, "create", "exp", "--variant", A, "--variant", B).exit_code == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"input": "fine"}\n{"input": ""}\n')
    result = _cli(sqlite_url, "add-cases", "exp", "--test-cases", str(bad))
    assert result.exit_code == 1 and "line 2" in result.output
    assert "0 test cases" in _cli(sqlite_url, "show", "exp").output


def test_every_command_has_an_example():
    group = main.get_command(click.Context(main), "experiments")
    assert "Example:" in group.help
    for name, command in group.commands.items():
        assert "Example:" in (command.help or ""), name
        shown = CliRunner().invoke(main, ["experiments", name, "--help"]).output
        assert "Example:\n    otel-llm experiments" in shown, name  # \b keeps the lines as written


def test_ctrl_c_stops_cleanly_and_the_next_run_resumes(sqlite_url, mock_llm):
    cases = [f"--test-case=slow question {i} [[mock:latency=150]]" for i in range(8)]
    assert _cli(sqlite_url, "create", "slow", "--variant", A, "--variant", B, *cases).exit_code == 0
    env = {**os.environ, "OTEL_LLM_MOCK_URL": mock_llm.url, "OTEL_LLM_DATABASE_URL": sqlite_url}
    command = [
        os.path.join(os.path.dirname(sys.executable), "otel-llm"),
        "experiments",
        "run",
        "slow",
        "--concurrency",
        "1",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    engine = get_engine(sqlite_url)
    deadline = time.monotonic() + 60
    while _items(engine) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "interrupted" in output and "Run the same command again to resume" in output
    done = _items(engine)
    assert 2 <= done < 16
    with engine.connect() as conn:
        assert conn.execute(select(experiment_runs.c.status)).scalar_one() == "interrupted"
    resumed = _cli(sqlite_url, "run", "slow", "--concurrency", "4", env={"OTEL_LLM_MOCK_URL": mock_llm.url})
    assert f"Resuming run 1: {done} of 16 calls already done." in resumed.output
    assert _items(engine) == 16
    assert len(mock_llm.requests) == 16  # nothing sent twice


def _items(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(experiment_run_items)).scalar_one()


def _iso(text):
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() == timedelta(0), text
    return parsed


def test_every_write_command_answers_json_and_times_are_iso(db_url, mock_llm, monkeypatch):
    for variable in ("USER", "LOGNAME", "USERNAME", "LNAME"):
        monkeypatch.delenv(variable, raising=False)
    created = json.loads(_cli(db_url, "create", "bakeoff", "--variant", A, "--variant", B, "--json").output)
    assert (created["name"], created["status"], created["test_case_count"]) == ("bakeoff", "draft", 0)
    assert created["author"]  # the account running the command, with no $USER
    assert _iso(created["created_at"])
    added = json.loads(_cli(db_url, "add-cases", "bakeoff", "--test-case", "Hi", "--json").output)
    assert added == {"experiment": "bakeoff", "dataset": "bakeoff-cases", "added": 1, "test_case_count": 1}

    ran = _cli(db_url, "run", "bakeoff", "--base-url", mock_llm.url, "--json")
    assert ran.exit_code == 0, ran.output
    report = json.loads(ran.output)  # no progress bar around it
    assert {k: report[k] for k in ("experiment", "status", "total", "done", "failed", "error")} == {
        "experiment": "bakeoff",
        "status": "completed",
        "total": 2,
        "done": 2,
        "failed": 0,
        "error": None,
    }
    stopped = json.loads(_cli(db_url, "stop", "bakeoff", "--json").output)
    assert stopped["status"] == "stopped" and _iso(stopped["ended_at"])
    assert json.loads(_cli(db_url, "start", "bakeoff", "--json").output)["status"] == "running"
    promoted = json.loads(_cli(db_url, "promote", "bakeoff", "b", "--json").output)
    assert (promoted["status"], promoted["winner"]) == ("completed", "b")
    assert "results_winner" in promoted

    shown = json.loads(_cli(db_url, "show", "bakeoff", "--json").output)
    [run] = shown["runs"]
    assert _iso(run["started_at"]) <= _iso(run["finished_at"])
    table = _cli(db_url, "show", "bakeoff").output.splitlines()
    assert _iso(table[-1].split()[-1]) == _iso(run["started_at"]).replace(microsecond=0)  # STARTED
    listed = _cli(db_url, "list").output.splitlines()
    assert _iso(listed[1].split()[-1]) == _iso(created["created_at"]).replace(microsecond=0)
