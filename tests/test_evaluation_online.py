"""Online evaluation rules applied by the worker: a stable share of new production spans judged,
scores on those spans, never the evaluation's own calls, within the daily cost cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main
from sqlalchemy import select

from otel_llm.evaluation import online
from otel_llm.evaluation.errors import EvaluationError
from otel_llm.storage.schema_scores import scores
from tests import replay_support

app = replay_support.app  # fixture

EARLIER = datetime.now(UTC) - timedelta(hours=1)


def _scored(app) -> dict[str, float]:
    with app.engine.connect() as conn:
        return dict(
            conn.execute(
                select(scores.c.span_id, scores.c.value).where(scores.c.name == "judge:helpfulness")
            ).all()
        )


def test_worker_judges_the_sampled_share_once_and_skips_its_own_calls(app):
    for question in ("first?", "second?", "third?", "fourth?"):
        app.chat(messages=[{"role": "user", "content": question}], max_tokens=30)
    app_spans = [s["span_id"] for s in app.stored() if s["is_llm"]]
    online.create_rule(app.engine, app.project_id, "helpful", "judge:helpfulness", model="gpt-4o-mini",
                       sample_percent=100, since=EARLIER)  # fmt: skip
    [report] = online.apply_all(app.engine, base_url=app.mock.url)
    assert (report.considered, report.judged, report.errors) == (4, 4, 0) and report.cost_usd > 0
    assert sorted(_scored(app)) == sorted(app_spans)
    [again] = online.apply_all(app.engine, base_url=app.mock.url)  # judge spans are no production traffic
    assert (again.considered, again.judged) == (0, 0)
    [rule] = online.list_rules(app.engine, app.project_id)
    assert rule["judged_today"] == 4 and rule["spent_today"] == pytest.approx(report.cost_usd)


def test_sampling_is_stable_and_the_daily_cap_stops_judging(app):
    for question in ("a?", "b?", "c?"):
        app.chat(messages=[{"role": "user", "content": question}], max_tokens=30)
    ids = [s["span_id"] for s in app.stored() if s["is_llm"]]
    assert [online.sampled(i, 50) for i in ids] == [online.sampled(i, 50) for i in ids]
    online.create_rule(app.engine, app.project_id, "capped", "judge:helpfulness", sample_percent=100,
                       daily_cost_cap_usd=1e-9, since=EARLIER)  # fmt: skip
    [report] = online.apply_all(app.engine, base_url=app.mock.url)
    assert (report.judged, report.capped) == (1, True)
    [later] = online.apply_all(app.engine, base_url=app.mock.url)
    assert (later.judged, later.capped) == (0, True)
    [tomorrow] = online.apply_all(
        app.engine, base_url=app.mock.url, now=datetime.now(UTC) + timedelta(days=1)
    )
    assert tomorrow.judged == 1  # a new day, a new budget: it goes on where it stopped


def test_rules_refuse_what_production_spans_cannot_be_judged_with(app):
    app.chat()
    with pytest.raises(EvaluationError, match="expected output"):
        online.create_rule(app.engine, app.project_id, "x", "similarity")
    with pytest.raises(EvaluationError, match="percentage"):
        online.create_rule(app.engine, app.project_id, "x", "json", sample_percent=0)
    runner = CliRunner()
    added = runner.invoke(main, ["--database-url", app.url, "eval", "rules", "add", "orders", "--evaluator", "json",
                                 "--sample", "25"])  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = runner.invoke(main, ["--database-url", app.url, "eval", "rules", "list"])
    assert "orders: json on 25 % of all spans, no cap; today 0 judged" in listed.output
    ran = runner.invoke(main, ["--database-url", app.url, "worker", "--once"])
    assert ran.exit_code == 0, ran.output


def test_the_console_process_applies_the_rules_with_web_worker(app):
    """`otel-llm web --worker` alone, in its own process: the rule's spans get scores; SIGTERM stops both."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    for question in ("first?", "second?"):
        app.chat(messages=[{"role": "user", "content": question}], max_tokens=30)
    app_spans = sorted(s["span_id"] for s in app.stored() if s["is_llm"])
    online.create_rule(app.engine, app.project_id, "helpful", "judge:helpfulness", sample_percent=100,
                       since=EARLIER)  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    entry = "import sys; from otel_llm_server.cli.main import main; sys.exit(main())"
    process = subprocess.Popen(
        [sys.executable, "-c", entry, "--database-url", app.url, "web", "--port", str(port), "--worker",
         "--worker-interval", "0.2", "--base-url", app.mock.url],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "OTEL_LLM_SECRET_KEY": "cli-test-secret"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while sorted(_scored(app)) != app_spans:
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, f"no scores within 60 s: {_scored(app)}"
            time.sleep(0.2)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json() == {"status": "ok"}
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "rule helpful: 2 of 2 new spans judged" in output
    assert output.rstrip().endswith("Online evaluation worker stopped.")
