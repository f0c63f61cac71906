"""Replaying a trace: every LLM call of one trace, in order, as one batch run linked to the trace."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from opentelemetry import trace
from otel_llm_server.cli.main import main

from otel_llm.replay import InvalidOverride, Overrides, ReplayError, store
from otel_llm.replay.batch import Selection, execute, plan
from tests import replay_support

app = replay_support.app  # fixture
sqlite_app = replay_support.sqlite_app  # fixture


def test_replay_trace_replays_its_calls_in_order_as_one_linked_run(app):
    with trace.get_tracer("agent-app").start_as_current_span("invoke_agent planner"):
        first = app.chat(messages=[{"role": "user", "content": "plan step one"}])
        second = app.chat(messages=[{"role": "user", "content": "plan step two"}])
    outside = app.chat(messages=[{"role": "user", "content": "another request"}])
    trace_id = next(s["trace_id"] for s in app.stored() if s["span_id"] == first)

    run = plan(
        app.engine, app.project_id, Selection(trace_id=trace_id.upper()), Overrides(model="gpt-4o"), "ana"
    )
    assert run.span_ids == [first, second] and outside not in run.span_ids
    result = execute(app.engine, app.project_id, run, Overrides(model="gpt-4o"), "ana", base_url=app.mock.url)
    assert result["status"] == "ok" and result["count"] == 2 and result["trace_id"] == trace_id
    assert [r["id"] for r in store.list_runs(app.engine, app.project_id, trace_id=trace_id)] == [run.run_id]
    replays = store.list_replays(app.engine, app.project_id, run_id=run.run_id, limit=10)
    assert sorted(r["original_span_id"] for r in replays) == sorted([first, second])


def test_replay_trace_errors_say_what_to_do(app):
    app.chat()
    with pytest.raises(ReplayError, match="no successful LLM call"):
        plan(app.engine, app.project_id, Selection(trace_id="0" * 32), Overrides(model="gpt-4o"), "ana")
    with pytest.raises(InvalidOverride, match="32 hex digits"):
        Selection(trace_id="not-a-trace")


def test_cli_replay_batch_trace(sqlite_app, monkeypatch):
    monkeypatch.setenv("OTEL_LLM_MOCK_URL", sqlite_app.mock.url)
    with trace.get_tracer("agent-app").start_as_current_span("invoke_agent planner"):
        first = sqlite_app.chat(messages=[{"role": "user", "content": "plan step one"}])
        sqlite_app.chat(messages=[{"role": "user", "content": "plan step two"}])
    trace_id = next(s["trace_id"] for s in sqlite_app.stored() if s["span_id"] == first)
    run = ["--database-url", sqlite_app.url, "replay", "batch", "--trace", trace_id, "--with-model", "gpt-4o"]
    result = CliRunner().invoke(main, [*run, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output[result.output.index("{") :])
    assert body["trace_id"] == trace_id and body["count"] == 2 and body["status"] == "ok"
    mixed = CliRunner().invoke(main, [*run, "--model", "gpt-4o-mini"])
    assert mixed.exit_code == 2 and "leave out --model" in mixed.output


def test_console_replay_trace_form_starts_a_run_linked_to_the_trace(sqlite_app):
    import time

    from tests.web_helpers import csrf_token, make_app, signed_in_client

    with trace.get_tracer("agent-app").start_as_current_span("invoke_agent planner"):
        first = sqlite_app.chat(messages=[{"role": "user", "content": "plan step one"}])
        sqlite_app.chat(messages=[{"role": "user", "content": "plan step two"}])
    trace_id = next(s["trace_id"] for s in sqlite_app.stored() if s["span_id"] == first)
    web = make_app(sqlite_app.url, REPLAY_BASE_URL=sqlite_app.mock.url)
    editor = signed_in_client(web, sqlite_app.url, "ed@example.com", "editor", project="default")
    view = f"/traces/trace/{trace_id}"
    form = {
        "csrf_token": csrf_token(editor, view),
        "trace_id": trace_id,
        "limit": "1000",
        "with_model": "gpt-4o",
    }
    started = editor.post("/replays/runs", data=form)
    assert started.status_code == 302 and "/replays/runs/" in started.headers["Location"]
    run_id = int(started.headers["Location"].rsplit("/", 1)[1])
    for _ in range(100):  # the run executes in a background thread
        run = store.get_run(sqlite_app.engine, sqlite_app.project_id, run_id)
        if run["status"] != "running":
            break
        time.sleep(0.1)
    assert run["status"] == "ok" and run["count"] == 2 and run["trace_id"] == trace_id
    page = editor.get(f"/replays/runs/{run_id}").get_data(as_text=True)
    assert f'href="{view}"' in page and "tools were not re-run" in page
    assert page.count('class="pill pill-ok">ok<') == 2  # one row per replayed call
    assert f'href="/replays/runs/{run_id}"' in editor.get(view).get_data(as_text=True)  # listed on the trace
