"""Per-version metrics from real stored spans (our processor + exporter), on SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import otel_llm
from otel_llm import attributes as attrs
from otel_llm.feedback import Target, add_feedback
from otel_llm.prompts import catalog, metrics, versions
from otel_llm.prompts.errors import InvalidInput
from otel_llm.storage.db import get_engine
from tests.span_factory import T0, emit, llm_attributes, span_pipeline

HOUR_NS = 3600 * 10**9


def test_metrics_per_version_from_tags_and_system_prompt_hash(db_url, tmp_path):
    engine = get_engine(db_url)
    pid = catalog.project_id(engine, "default", create=True)
    v1 = versions.create_version(engine, pid, "p", "You are terse.")
    v2 = versions.create_version(engine, pid, "p", "Be kind to {{customer}}.")
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        with otel_llm.tags(prompt_name="p", prompt_version=2, prompt_hash=v2.version_hash):
            v2_spans = [
                emit(
                    tracer,
                    start_ns=T0 + i,
                    duration_ms=d,
                    error=(d == 400),
                    **llm_attributes(input_tokens=10 * i),
                )
                for i, d in enumerate([100.0, 200.0, 300.0, 400.0], start=1)
            ]
        # an app that never used the registry: linked to v1 by its system prompt text
        v1_spans = [
            emit(tracer, start_ns=T0 + 10 + i, duration_ms=50.0, **llm_attributes()) for i in range(2)
        ]
        # same text but tagged as another prompt: not ours
        emit(tracer, start_ns=T0 + 20, **llm_attributes(**{attrs.GEN_AI_PROMPT_NAME: "other"}))
        # a replay of a v2 call, tagged like it: the team's re-run, not traffic
        with otel_llm.tags(prompt_name="p", prompt_version=2, prompt_hash=v2.version_hash):
            emit(tracer, start_ns=T0 + 30, **llm_attributes(**{attrs.REPLAY_OF: v2_spans[0][1]}))
        # long before the window
        emit(tracer, start_ns=T0 - 48 * HOUR_NS, duration_ms=9999.0, **llm_attributes())
    add_feedback(engine, pid, Target(None, v2_spans[0][1]), 1.0, source="api")
    add_feedback(engine, pid, Target(None, v2_spans[1][1]), 0.0, source="cli")
    add_feedback(engine, pid, Target(v1_spans[0][0], None), 0.5, source="sdk")

    since = datetime.fromtimestamp(T0 / 1e9, UTC) - timedelta(hours=1)
    by_version = {m.version: m for m in metrics.version_metrics(engine, pid, "p", since=since)}
    second, first = by_version[2], by_version[1]
    assert (second.calls, second.errors, second.success_rate) == (4, 1, 0.75)
    assert second.p50_ms == pytest.approx(250.0) and second.p95_ms == pytest.approx(385.0)
    assert second.avg_input_tokens == pytest.approx(25.0)
    assert (second.feedback_count, second.avg_feedback) == (2, pytest.approx(0.5))
    assert (first.calls, first.success_rate, first.p50_ms) == (2, 1.0, pytest.approx(50.0))
    assert (first.feedback_count, first.avg_feedback) == (1, pytest.approx(0.5))
    assert first.avg_cost_usd is not None and first.avg_cost_usd > 0  # gpt-4o-mini is priced
    everything = {m.version: m for m in metrics.version_metrics(engine, pid, "p")}
    assert everything[1].calls == 3  # the old span counts when there is no window
    assert v1.version_hash != v2.version_hash


def test_versions_without_traffic_show_zero_calls(db_url):
    engine = get_engine(db_url)
    pid = catalog.project_id(engine, "default", create=True)
    versions.create_version(engine, pid, "quiet", "never used")
    (only,) = metrics.version_metrics(engine, pid, "quiet", since=timedelta(days=7))
    assert (only.version, only.calls, only.success_rate, only.p50_ms) == (1, 0, None, None)


def test_parse_window():
    assert metrics.parse_window("7d") == timedelta(days=7)
    assert metrics.parse_window("30m") == timedelta(minutes=30)
    assert metrics.parse_window("all") is None
    with pytest.raises(InvalidInput, match="e.g. 30m, 24h, 7d"):
        metrics.parse_window("7 parsecs")


def test_percentile_matches_percentile_cont_definition():
    assert metrics.percentile([1.0], 0.95) == 1.0
    assert metrics.percentile([10.0, 20.0, 30.0, 40.0, 50.0], 0.5) == 30.0
    assert metrics.percentile([0.0, 100.0], 0.95) == pytest.approx(95.0)


def test_stats_of_one_users_calls(db_url, tmp_path):
    """``user`` keeps one end user's calls (``user.id``), in the service, the CLI and the API."""
    from click.testing import CliRunner
    from otel_llm_server.cli.main import main

    from otel_llm import attributes as attrs
    from otel_llm.accounts import get_project
    from otel_llm.prompts import metrics, versions
    from otel_llm.storage.db import get_engine
    from tests.span_factory import emit, llm_attributes, span_pipeline
    from tests.web_helpers import api_key, bearer, make_app

    engine = get_engine(db_url)
    with span_pipeline(db_url, tmp_path, project="alpha") as (tracer, _):
        emit(tracer, **llm_attributes(system="Unrelated."))  # the project exists before the prompt
    project_id = get_project(engine, "alpha").id
    versions.create_version(engine, project_id, "brief", "Be brief.")
    with span_pipeline(db_url, tmp_path, project="alpha") as (tracer, _):
        for user in ("u-1", "u-1", "u-2"):
            tags = {attrs.GEN_AI_PROMPT_NAME: "brief", attrs.GEN_AI_PROMPT_VERSION: "1", attrs.USER_ID: user}
            emit(tracer, **llm_attributes(system="Be brief.", **tags))
    assert [m.calls for m in metrics.version_metrics(engine, project_id, "brief", user="u-1")] == [2]
    assert [m.calls for m in metrics.version_metrics(engine, project_id, "brief")] == [3]

    out = CliRunner().invoke(
        main,
        ["--database-url", db_url, "prompts", "stats", "brief", "--since", "all", "--user", "u-2", "--json"],
        env={"OTEL_LLM_PROJECT": "alpha"},
    )
    assert out.exit_code == 0, out.output
    assert '"calls": 1' in out.output
    client = make_app(db_url).test_client()
    body = client.get(
        "/api/v1/prompts/brief/stats?since=all&user=u-1", headers=bearer(api_key(db_url, "alpha", "viewer"))
    ).get_json()
    assert [i["calls"] for i in body["items"]] == [2] and body["user"] == "u-1"
