"""The overview's rollups equal the figures computed from the spans, on SQLite and Postgres, through
inserts (duplicates included), repricing, deletes and the migration's backfill."""

from __future__ import annotations

import importlib.util
import math
import random
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text

from otel_llm.pricing.reprice import reprice
from otel_llm.storage import migrate, schema_overview, writer
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import SPAN_COLUMNS, projects, spans
from otel_llm.traces import overview, rollup

NOW = datetime.now(UTC)
LONG_RANGES = ("24h", "7d", "30d", "90d")
MIGRATION = Path(__file__).resolve().parents[1] / "migrations" / "versions" / "0018_overview_rollups.py"
MODELS = [("gpt-4o-mini", "openai"), ("gpt-4.1", "openai"), ("claude-haiku-4-5", "anthropic"), (None, None)]


def _rows(project_id: int, n: int, seed: int) -> list[dict]:
    """LLM calls over 100 days on a mix of models/providers with errors and unknown costs, plus
    spans the overview leaves out: a tool span, a replay and an evaluation call."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        model, provider = MODELS[i % len(MODELS)]
        start = NOW - timedelta(seconds=rng.uniform(0, 100 * 86400))
        duration = rng.lognormvariate(6, 1.2)
        row = dict.fromkeys(SPAN_COLUMNS)
        row.update(
            project_id=project_id, trace_id=uuid.uuid4().hex, span_id=uuid.uuid4().hex[:16],
            name="chat", kind="CLIENT", start_time=start, end_time=start + timedelta(milliseconds=duration),
            duration_ms=duration, status_code=rng.choice(["OK", "UNSET", "ERROR"]), is_llm=i % 11 != 0,
            category="llm" if i % 11 != 0 else "tool",
            provider=provider, operation="chat", request_model=model,
            response_model=model or ("mystery-1" if i % 2 else None),
            input_tokens=rng.choice([None, rng.randint(1, 5000)]), output_tokens=rng.randint(0, 900),
            cost_usd=rng.choice([None, rng.uniform(1e-5, 0.05)]),
            replay_of=uuid.uuid4().hex[:16] if i % 13 == 0 else None,
            evaluation="judge" if i % 17 == 0 else None,
            attributes={}, events=[], resource={},
        )  # fmt: skip
        rows.append(row)
    return rows


def _store(url: str, rows: list[dict]) -> None:
    engine = get_engine(url)
    for i in range(0, len(rows), 97):
        with engine.begin() as connection:
            writer.insert_rows(connection, rows[i : i + 97])


def _assert_same(url: str, project_id: int) -> None:
    """Every long range's figures from the rollups equal those from the spans."""
    engine = get_engine(url)
    for name in LONG_RANGES:
        ours = overview.overview(engine, project_id, name, now=NOW)
        truth = overview.exact(engine, project_id, name, now=NOW)
        _same_stats(ours["totals"], truth["totals"])
        assert [m["model"] for m in ours["models"]] == [m["model"] for m in truth["models"]]
        for mine, true in zip(
            ours["models"] + ours["series"], truth["models"] + truth["series"], strict=True
        ):
            _same_stats(mine, true)
        assert ours["calls_by_model"] == truth["calls_by_model"]


def _same_stats(mine: dict, true: dict) -> None:
    for key in ("calls", "errors", "input_tokens", "output_tokens"):
        assert mine[key] == true[key], key
    if true["cost_usd"] is None:
        assert mine["cost_usd"] is None
    else:
        assert mine["cost_usd"] == pytest.approx(true["cost_usd"], rel=1e-9, abs=1e-9)
    for key in ("p50_ms", "p95_ms"):
        if true[key] is None:
            assert mine[key] is None
        else:
            assert mine[key] == pytest.approx(true[key], rel=rollup.RELATIVE_ERROR + 1e-9), key


@pytest.fixture
def project_ids(db_url):
    engine = get_engine(db_url)
    with engine.begin() as connection:
        return writer.ensure_project(connection, "alpha"), writer.ensure_project(connection, "beta")


def test_rollups_equal_spans_through_inserts_repricing_and_deletes(db_url, project_ids):
    alpha, beta = project_ids
    rows = _rows(alpha, 1200, seed=1)
    _store(db_url, rows)
    _store(db_url, rows[:300])  # a retried batch: stored once, counted once
    _store(db_url, _rows(beta, 300, seed=2))
    _assert_same(db_url, alpha)
    engine = get_engine(db_url)
    changed = reprice(engine, alpha, NOW - timedelta(days=100)).changed  # cost_usd rewritten
    assert changed > 0
    _assert_same(db_url, alpha)
    with engine.begin() as connection:  # a retention-style delete, and an update of a whole range
        connection.execute(
            delete(spans).where(spans.c.project_id == alpha, spans.c.start_time < NOW - timedelta(days=40))
        )
        connection.execute(
            spans.update()
            .where(spans.c.project_id == alpha, spans.c.request_model == "gpt-4.1")
            .values(status_code="ERROR", duration_ms=spans.c.duration_ms * 3)
        )
    _assert_same(db_url, alpha)
    _assert_same(db_url, beta)
    totals = overview.overview(engine, beta, "90d", now=NOW)["totals"]
    assert totals["calls"] > 0 and totals["errors"] > 0


def test_deleting_a_project_takes_its_rollups_and_spans(db_url, project_ids):
    alpha, beta = project_ids
    _store(db_url, _rows(alpha, 200, seed=3) + _rows(beta, 100, seed=4))
    engine = get_engine(db_url)
    with engine.begin() as connection:
        connection.execute(delete(projects).where(projects.c.id == alpha))
    with engine.connect() as connection:
        for table in (schema_overview.overview_rollups, schema_overview.overview_latency):
            found = connection.execute(select(table.c.project_id).distinct()).scalars().all()
            assert found == [beta]
    _assert_same(db_url, beta)


def test_latency_bucket_is_the_same_in_python_postgres_and_sqlite(db_url):
    """The triggers' bucket (Postgres: ln; SQLite: the edges table) equals ``rollup.bucket_of``."""
    rng = random.Random(5)
    durations = [0.0, 0.005, 0.01, 1.0, 7.3, 999.0, 1e12] + [rng.lognormvariate(5, 3) for _ in range(300)]
    engine = get_engine(db_url)
    with engine.connect() as connection:
        for d in durations:
            if engine.dialect.name == "postgresql":
                sql = "SELECT least(floor(ln(greatest(:d, 0.01)) * 10)::int, 230)"
            else:
                sql = (
                    "SELECT coalesce((SELECT bucket FROM overview_latency_edges WHERE lower_ms <= :d "
                    "ORDER BY lower_ms DESC LIMIT 1), -47)"
                )
            assert connection.execute(text(sql), {"d": d}).scalar() == rollup.bucket_of(d), d


def test_migration_constants_match_the_schema_module():
    spec = importlib.util.spec_from_file_location("otel_llm_migration_0018", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.BUCKETS_PER_E == schema_overview.BUCKETS_PER_E
    assert module.FIRST_BUCKET == schema_overview.FIRST_BUCKET == math.floor(math.log(0.01) * 10)
    assert module.LAST_BUCKET == schema_overview.LAST_BUCKET
    assert module.PERIODS == schema_overview.LATENCY_PERIODS


def test_percentile_error_is_within_the_stated_bound():
    rng = random.Random(6)
    values = [rng.lognormvariate(6, 1.5) for _ in range(2000)]
    counts = Counter(rollup.bucket_of(v) for v in values)
    for q in (0.5, 0.95, 0.99):
        true = overview.percentile(values, q)
        assert rollup.percentile(counts, q) == pytest.approx(true, rel=rollup.RELATIVE_ERROR)


def test_migration_backfills_existing_spans_and_downgrades_with_data(empty_db_url):
    migrate.upgrade(empty_db_url, "0019_partitions")
    engine = get_engine(empty_db_url)
    with engine.begin() as connection:
        project_id = writer.ensure_project(connection, "alpha")
        writer.insert_rows(connection, _rows(project_id, 400, seed=7))
    migrate.upgrade(empty_db_url, "0018_overview_rollups")
    _assert_same(empty_db_url, project_id)
    migrate.downgrade(empty_db_url, "0019_partitions")
    with engine.begin() as connection:  # spans are still written once the triggers are gone
        writer.insert_rows(connection, _rows(project_id, 10, seed=8))
        assert connection.execute(text("SELECT count(*) FROM spans")).scalar() == 410
    migrate.upgrade(empty_db_url, "0018_overview_rollups")
    _assert_same(empty_db_url, project_id)


def test_filter_options_suggest_recent_models_and_every_tag(db_url, project_ids):
    alpha, beta = project_ids
    rows = _rows(alpha, 60, seed=9)
    for i, row in enumerate(rows):
        row.update(is_llm=True, replay_of=None, evaluation=None, start_time=NOW - timedelta(days=i % 2 * 45))
        row.update(prompt_name=f"p{i % 3}", experiment=["e1", "e2", None][i % 3], variant=["a", "b"][i % 2])
    rows[0].update(request_model="old-model", provider="old-provider", start_time=NOW - timedelta(days=60))
    _store(db_url, rows + _rows(beta, 20, seed=10))
    found = overview.filter_options(get_engine(db_url), alpha)
    assert found["provider"] == ["anthropic", "openai"]  # the 30 days' calls; none without a provider
    assert found["model"] == ["claude-haiku-4-5", "gpt-4o-mini"]  # not old-model, 60 days ago
    assert found["prompt_name"] == ["p0", "p1", "p2"]
    assert (found["experiment"], found["variant"]) == (["e1", "e2"], ["a", "b"])
