"""`otel-llm demo` end to end, as a newcomer runs it (in a subprocess, on a fresh SQLite file)."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main
from sqlalchemy import create_engine, select, text

from otel_llm.experiments.results import experiment_results
from otel_llm.storage.schema import spans
from otel_llm.traces import overview


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "otel_llm_server.cli",
            "--database-url",
            url,
            "demo",
            "--no-serve",
            "--rounds",
            "1",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    return url, result.stdout


def _llm_rows(url):
    with create_engine(url).connect() as conn:
        return conn.execute(select(spans).where(spans.c.is_llm, spans.c.replay_of.is_(None))).all()


def test_demo_records_tagged_calls_and_creates_the_demo_admin(demo_db):
    url, stdout = demo_db
    assert "Sample app made 41 LLM calls over the past 7 days (5 failed on purpose)" in stdout
    rows = [r for r in _llm_rows(url) if r.name.startswith("chat") or r.provider]
    with create_engine(url).connect() as conn:
        users = conn.execute(text("SELECT email FROM users")).scalars().all()
    assert {r.provider for r in rows} == {"openai", "anthropic"}
    assert {r.prompt_version for r in rows} >= {"1", "2"}
    assert {r.variant for r in rows if r.experiment == "model-bakeoff"} == {"a", "b"}
    assert users == ["demo@otel-llm.local"]


def test_traffic_spans_the_week_with_an_error_burst_a_latency_spike_and_a_cost_jump(demo_db):
    url, _ = demo_db
    rows = _llm_rows(url)
    now = datetime.now(UTC)
    starts = [r.start_time if r.start_time.tzinfo else r.start_time.replace(tzinfo=UTC) for r in rows]
    assert max(starts) <= now and min(starts) < now - timedelta(days=6)
    assert len({s.date() for s in starts}) >= 7

    errors = sorted(s for s, r in zip(starts, rows, strict=True) if r.status_code == "ERROR")
    assert len(errors) == 5 and errors[-1] - errors[0] < timedelta(hours=1)
    slow = sorted(s for s, r in zip(starts, rows, strict=True) if r.duration_ms >= 2000)
    assert len(slow) >= 6 and slow[-1] - slow[0] < timedelta(minutes=5)

    summaries = [
        (s, r)
        for s, r in zip(starts, rows, strict=True)
        if (r.input_tokens or 0) > 1000  # the ticket summaries
    ]
    before = [
        r.cost_usd for s, r in summaries if s < now - timedelta(days=3) and r.request_model == "gpt-4o-mini"
    ]
    after = [r.cost_usd for s, r in summaries if s > now - timedelta(days=3) and r.request_model == "gpt-4o"]
    assert before and after and min(after) > 5 * max(before)


def test_the_agent_trace_has_llm_and_tool_spans_under_the_agent(demo_db):
    url, _ = demo_db
    with create_engine(url).connect() as conn:
        agent = conn.execute(text("SELECT * FROM spans WHERE name LIKE 'invoke_agent %'")).first()
        children = conn.execute(
            text("SELECT name, is_llm FROM spans WHERE parent_span_id = :p"), {"p": agent.span_id}
        ).all()
    assert not agent.is_llm  # an agent is not a model call: it never counts as traffic
    assert sum(c.is_llm for c in children) == 2
    assert [c.name for c in children if not c.is_llm] == ["execute_tool lookup_order"]


def test_the_agent_turns_are_one_customers_conversation(demo_db):
    url, _ = demo_db
    with create_engine(url).connect() as conn:
        rows = conn.execute(
            text("SELECT DISTINCT trace_id, session_id, user_id FROM spans WHERE session_id IS NOT NULL")
        ).all()
    assert {(r.session_id, r.user_id) for r in rows} == {("order-chat-1", "customer-7")}
    assert len({r.trace_id for r in rows}) == 2  # two turns


def test_a_replay_a_batch_run_and_a_significant_experiment_are_stored(demo_db):
    url, stdout = demo_db
    engine = create_engine(url)
    with engine.connect() as conn:
        replays = conn.execute(text("SELECT run_id, status FROM replays")).all()
        runs = conn.execute(text("SELECT status FROM replay_runs")).scalars().all()
        automated = conn.execute(text("SELECT status FROM experiment_runs")).scalars().all()
    assert any(r.run_id is None and r.status == "ok" for r in replays)
    assert runs == ["ok"] and len([r for r in replays if r.run_id is not None]) >= 3
    assert automated == ["completed"]
    results = experiment_results(engine, "default", "model-bakeoff")
    assert any(c.significant for c in results.comparisons)
    assert "otel-llm mock-llm --port 8765 &" in stdout and "export OTEL_LLM_MOCK_URL=" in stdout


def test_overview_default_range_shows_the_week(demo_db):
    url, _ = demo_db
    engine = create_engine(url)
    with engine.connect() as conn:
        project_id = conn.execute(text("SELECT id FROM projects WHERE name = 'default'")).scalar_one()
    data = overview.overview(engine, project_id)
    assert data["totals"]["calls"] >= 41


def test_replay_works_from_the_shell_after_the_demo(demo_db, mock_llm, monkeypatch):
    url, _ = demo_db
    with create_engine(url).connect() as conn:
        span_id = (
            conn.execute(
                text(
                    "SELECT span_id FROM spans WHERE request_model = 'gpt-4o-mini' AND status_code != 'ERROR'"
                )
            )
            .scalars()
            .first()
        )
    monkeypatch.setenv("OTEL_LLM_MOCK_URL", mock_llm.url)  # what the demo tells the reader to export
    result = CliRunner().invoke(
        main, ["--database-url", url, "replay", span_id, "--model", "claude-haiku-4-5"]
    )
    assert result.exit_code == 0, result.output
    assert mock_llm.requests[-1].path == "/v1/messages"


def test_an_evaluation_run_with_a_significant_comparison_is_stored(demo_db):
    from otel_llm.evaluation import results

    url, stdout = demo_db
    engine = create_engine(url)
    with engine.connect() as conn:
        [run_id] = conn.execute(text("SELECT id FROM eval_runs WHERE status = 'completed'")).scalars().all()
        project_id = conn.execute(text("SELECT id FROM projects WHERE name = 'default'")).scalar_one()
    found = results.run_results(engine, project_id, run_id)
    significant = [v for v in found.verdicts if v.significant]
    assert [v.evaluator for v in significant] == ["similarity"]  # one evaluator tells them apart
    assert f"Evaluation run {run_id} on support-faq: brief scores" in stdout
