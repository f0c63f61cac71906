"""Batch replay (regression runs): selection, concurrency, stored summary, errors."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from otel_llm_server.cli.replay_output import run_report
from sqlalchemy import update

from otel_llm import attributes as attrs
from otel_llm.replay import InvalidOverride, Overrides, ReplayError, store
from otel_llm.replay.batch import Selection, execute, parse_since, plan, select_spans
from otel_llm.storage.schema_replays import replay_runs
from tests import replay_support
from tests.span_factory import emit, llm_attributes, span_pipeline

app = replay_support.app  # fixture
sqlite_app = replay_support.sqlite_app  # fixture


def test_batch_run_stores_a_summary_of_changes_tokens_cost_and_errors(app, tmp_path):
    for question in ("first?", "second?", "third?"):
        app.chat(messages=[{"role": "user", "content": question}], max_tokens=30)
    no_content = llm_attributes(model="gpt-4o-mini")
    no_content.pop(attrs.GEN_AI_INPUT_MESSAGES)
    with span_pipeline(app.url, tmp_path, project="default") as (tracer, _):
        emit(tracer, start_ns=int(app.stored()[-1]["start_time"].timestamp() * 10**9) + 10**9, **no_content)
    progress = []

    overrides = Overrides(model="gpt-4o")
    run = plan(app.engine, app.project_id, Selection(model="gpt-4o-mini", limit=10), overrides, "ana")
    assert store.get_run(app.engine, app.project_id, run.run_id)["status"] == "running"
    result = execute(
        app.engine,
        app.project_id,
        run,
        overrides,
        "ana",
        concurrency=3,
        base_url=app.mock.url,
        progress=lambda done, total, _: progress.append((done, total)),
    )

    assert progress[-1] == (4, 4) and len(progress) == 4
    assert result["status"] == "ok" and result["count"] == 4 and result["error_count"] == 1
    assert result["summary"]["skipped"][0]["reason"].endswith("then replay a span recorded after that.")
    assert result["changed_share"] == 1.0 and 0 <= result["mean_similarity"] < 1
    assert result["cost_delta_usd"] > 0 and result["input_tokens_delta"] == 0
    assert result["summary"]["cost_usd_replay"] > result["summary"]["cost_usd_original"]
    assert result["latency_delta_ms"] is not None and result["finished_at"] >= result["created_at"]
    replays = store.list_replays(app.engine, app.project_id, run_id=run.run_id)
    assert len(replays) == 3 and {r["status"] for r in replays} == {"ok"}

    again = select_spans(app.engine, app.project_id, Selection(limit=100))
    assert len(again) == 4  # replay spans are never selected for another run


def test_a_batch_with_a_claude_model_alone_is_sent_to_anthropic(sqlite_app):
    app = sqlite_app
    for question in ("first?", "second?"):
        app.chat(messages=[{"role": "user", "content": question}])
    app.mock.clear()
    overrides = Overrides(model="claude-haiku-4-5")  # `replay batch --with-model claude-haiku-4-5`
    run = plan(app.engine, app.project_id, Selection(model="gpt-4o-mini", limit=10), overrides, "ana")
    result = execute(app.engine, app.project_id, run, overrides, "ana", base_url=app.mock.url)

    assert result["status"] == "ok" and result["count"] == 2
    assert [r.path for r in app.mock.requests] == ["/v1/messages", "/v1/messages"]


def test_selection_by_prompt_label_and_age(sqlite_app):
    import otel_llm
    from otel_llm.prompts import labels, versions

    app = sqlite_app
    app.chat()
    version = versions.create_version(app.engine, app.project_id, "support", "You help.")
    labels.publish(app.engine, app.project_id, "support", 1, actor="ana")
    with otel_llm.tags(prompt_name="support", prompt_version=1, prompt_hash=version.version_hash):
        tagged = app.chat(
            messages=[{"role": "system", "content": "You help."}, {"role": "user", "content": "x"}]
        )

    for reference in ("support", "support@v1", "support@production"):
        chosen = select_spans(app.engine, app.project_id, Selection(prompt=reference))
        assert [s["span_id"] for s in chosen] == [tagged]
    assert select_spans(app.engine, app.project_id, Selection(prompt="support@v2")) == []
    assert len(select_spans(app.engine, app.project_id, Selection(since="1h"))) == 2


def test_empty_selection_and_bad_input_are_refused_before_a_run_exists(sqlite_app):
    app = sqlite_app
    app.chat()
    with pytest.raises(ReplayError, match="no stored LLM spans match"):
        plan(app.engine, app.project_id, Selection(model="nope"), Overrides(model="gpt-4o"), "ana")
    assert store.list_runs(app.engine, app.project_id) == []
    with pytest.raises(InvalidOverride, match="e.g. 30m"):
        Selection(since="yesterday")
    with pytest.raises(InvalidOverride, match="1 to 1000"):
        Selection(limit=0)
    assert parse_since("2w") == timedelta(weeks=2)


def test_a_run_stopped_midway_is_marked_as_failed_not_left_running(sqlite_app):
    app = sqlite_app
    for question in ("a?", "b?", "c?", "d?"):
        app.chat(messages=[{"role": "user", "content": question}])
    overrides = Overrides(model="gpt-4o")
    run = plan(app.engine, app.project_id, Selection(limit=4), overrides, "ana")

    def interrupt(done, total, result):
        raise RuntimeError("stopped by the operator")

    with pytest.raises(RuntimeError):
        execute(
            app.engine,
            app.project_id,
            run,
            overrides,
            "ana",
            concurrency=1,
            base_url=app.mock.url,
            progress=interrupt,
        )

    stored = store.get_run(app.engine, app.project_id, run.run_id)
    assert stored["status"] == "error" and stored["error"] == "stopped by the operator"
    assert stored["finished_at"] is not None
    assert (
        len(store.list_replays(app.engine, app.project_id, run_id=run.run_id)) < 4
    )  # the rest was cancelled


def test_a_run_whose_process_died_is_marked_interrupted_not_running_forever(app):
    app.chat(messages=[{"role": "user", "content": "first?"}], max_tokens=30)
    overrides = Overrides(model="gpt-4o")
    alive = plan(app.engine, app.project_id, Selection(limit=10), overrides, "ana")
    dead = plan(app.engine, app.project_id, Selection(limit=10), overrides, "ana")
    exited = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    runner = {"host": socket.gethostname(), "pid": int(exited.stdout)}  # a console that was stopped
    with app.engine.begin() as connection:
        connection.execute(
            update(replay_runs).where(replay_runs.c.id == dead.run_id).values(summary={"runner": runner})
        )

    runs = {r["id"]: r for r in store.list_runs(app.engine, app.project_id)}
    assert runs[alive.run_id]["status"] == "running"  # its process (this one) is still here
    assert runs[dead.run_id]["status"] == "error" and runs[dead.run_id]["error"].startswith("interrupted")
    stored = store.get_run(app.engine, app.project_id, dead.run_id)
    assert stored["status"] == "error" and stored["finished_at"] is not None
    assert any(line.startswith("Error: interrupted") for line in run_report(stored, []))  # `replay show`
