"""Retention: each project's spans past its retention are deleted by the maintenance step, in
batches, on both databases; what refers to them (scores, dataset items, experiment totals) stays."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main
from sqlalchemy import func, insert, select

from otel_llm import attributes as attrs
from otel_llm.datasets import from_spans
from otel_llm.datasets import service as datasets
from otel_llm.storage import maintenance, retention
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import spans
from otel_llm.storage.schema_experiments import experiment_rollups
from otel_llm.storage.schema_scores import scores
from tests.span_factory import emit, llm_attributes, span_pipeline
from tests.web_helpers import api_key, bearer, csrf_token, make_app, signed_in_client

DAY_NS = 86_400 * 10**9


def _store(db_url, tmp_path, project: str, days_ago: float, n: int) -> list[tuple[str, str]]:
    start = time.time_ns() - int(days_ago * DAY_NS)
    with span_pipeline(db_url, tmp_path, project=project) as (tracer, _):
        return [
            emit(
                tracer,
                start_ns=start + i * 1_000_000,  # a millisecond apart
                **llm_attributes(),
                **{attrs.EXPERIMENT: "ab", attrs.EXPERIMENT_VARIANT: "a"},
            )
            for i in range(n)
        ]


def _count(engine, project_id: int) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).where(spans.c.project_id == project_id)).scalar_one()


def _project_id(engine, name: str) -> int:
    from otel_llm import accounts

    return accounts.require_project(engine, name).id


@pytest.fixture
def stored(db_url, tmp_path):
    """Project ``default`` (30 days kept) and ``archive`` (kept forever), each with 40-day-old and new spans."""
    old = _store(db_url, tmp_path, "default", 40, 23)
    _store(db_url, tmp_path, "default", 1, 5)
    _store(db_url, tmp_path, "archive", 40, 4)
    engine = get_engine(db_url)
    retention.set_retention(engine, _project_id(engine, "default"), 30)
    return engine, old


def test_spans_past_the_retention_go_in_batches_and_what_refers_to_them_stays(stored):
    engine, old = stored
    project_id = _project_id(engine, "default")
    trace_id, span_id = old[0]
    with engine.begin() as connection:
        connection.execute(
            insert(scores).values(
                project_id=project_id,
                span_id=span_id,
                trace_id=trace_id,
                name="user_feedback",
                value=1.0,
                data_type="numeric",
                source="api",
            )
        )
    datasets.create(engine, project_id, "kept")
    from_spans.add_span_keys(engine, project_id, "kept", [old[1]])
    with engine.connect() as connection:
        rollups_before = connection.execute(select(experiment_rollups.c.calls)).scalars().all()

    report = maintenance.maintain(engine, batch_size=10)

    [purged] = report.purged
    assert (purged.project, purged.spans, purged.batches) == ("default", 23, 3)
    assert _count(engine, project_id) == 5
    assert _count(engine, _project_id(engine, "archive")) == 4  # kept forever
    with engine.connect() as connection:
        assert connection.execute(select(scores.c.span_id)).scalars().all() == [span_id]
        assert connection.execute(select(experiment_rollups.c.calls)).scalars().all() == rollups_before
    [item] = datasets.resolve(engine, project_id, "kept")
    assert item.messages and item.source_span_id == old[1][1]  # the copied input outlives its span
    assert maintenance.maintain(engine).purged[0].spans == 0  # nothing left to delete


def test_cli_sets_shows_and_applies_retention(stored, db_url):
    runner = CliRunner()
    env = {"OTEL_LLM_DATABASE_URL": db_url}
    shown = runner.invoke(main, ["projects", "retention", "archive"], env=env)
    assert shown.output.strip() == "Project 'archive' keeps its spans forever."
    refused = runner.invoke(main, ["projects", "retention", "archive", "0"], env=env)
    assert refused.exit_code == 1 and "from 1 to 36500" in refused.output
    done = runner.invoke(main, ["projects", "retention", "archive", "7"], env=env)
    assert done.output.strip() == "Project 'archive' keeps its spans for 7 days."
    ran = runner.invoke(main, ["db", "maintain"], env=env)
    assert ran.exit_code == 0, ran.output
    assert "archive: deleted 4 spans older than 7 days" in ran.output
    assert "default: deleted 23 spans older than 30 days" in ran.output


def test_console_and_api_set_retention_for_admins_only(db_url):
    app = make_app(db_url)
    client = app.test_client()
    admin, viewer = bearer(api_key(db_url, "default", "admin")), bearer(api_key(db_url, "default", "viewer"))
    assert client.get("/api/v1/project/retention", headers=viewer).json == {
        "project": "default",
        "days": None,
    }
    assert client.put("/api/v1/project/retention", json={"days": 14}, headers=viewer).status_code == 403
    bad = client.put("/api/v1/project/retention", json={"days": 0}, headers=admin)
    assert (bad.status_code, bad.json["error"]["code"]) == (400, "bad_request")  # the schema says 1 or more
    assert client.put("/api/v1/project/retention", json={"days": 14}, headers=admin).json["days"] == 14
    browser = signed_in_client(app, db_url, "ada@example.com", "admin", project="default")
    assert "for <strong>14 days</strong>" in browser.get("/settings/retention").text
    form = {"days": "90", "csrf_token": csrf_token(browser, "/settings/retention")}
    saved = browser.post("/settings/retention", data=form, follow_redirects=True)
    assert "Spans of default are now kept for 90 days." in saved.text
    refused = browser.post("/settings/retention", data={**form, "days": "soon"}, follow_redirects=True)
    assert "whole number of days" in refused.text and "for <strong>90 days</strong>" in refused.text
    assert client.put("/api/v1/project/retention", json={"days": None}, headers=admin).json["days"] is None


def test_invalid_retentions_are_refused_in_words():
    assert retention.parse_days(" none ") is None
    assert retention.parse_days("30") == 30
    for text in ("0", "-3", "2.5", "a month", "36501"):
        with pytest.raises(retention.InvalidRetention, match="whole number of days"):
            retention.parse_days(text)
    assert retention.longest_retention([]) is None


def test_worker_runs_the_maintenance_step(stored, db_url):
    env = {"OTEL_LLM_DATABASE_URL": db_url}
    ran = CliRunner().invoke(main, ["worker", "--once"], env=env)
    assert ran.exit_code == 0, ran.output
    assert "default: deleted 23 spans older than 30 days" in ran.output
    skipped = CliRunner().invoke(main, ["worker", "--once", "--maintain-every", "0"], env=env)
    assert "deleted" not in skipped.output
