"""The Postgres rollup behind experiment results: same numbers as the exact aggregate over the spans.

Results on Postgres read ``experiment_rollups`` and ``experiment_latency_buckets``, kept by a trigger
as spans are written (migration 0006); SQLite aggregates the spans exactly. These tests store the
same spans in both and compare, and check that duplicate exports, concurrent writers and spans
stored before the migration are each counted exactly once.
"""

import random
import threading
import uuid
from dataclasses import astuple, replace
from datetime import UTC, datetime, timedelta

import numpy
import pytest
from sqlalchemy import func, insert, inspect, select, text

from otel_llm.experiments import aggregate, histogram, results, service
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.storage import migrate
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import SPAN_COLUMNS, spans
from otel_llm.storage.schema_experiments import experiment_latency_buckets, experiment_rollups
from otel_llm.storage.schema_scores import scores as score_table
from otel_llm.storage.writer import ensure_project, insert_rows

P = "default"
GPT = {"provider": "openai", "model": "gpt-4o-mini"}


def _span(rng: random.Random, experiment="ab", variant=None, **overrides) -> dict:
    start = datetime.now(UTC)
    duration = rng.lognormvariate(6, 0.4)
    row = dict.fromkeys(SPAN_COLUMNS)
    row.update(
        trace_id=uuid.UUID(int=rng.getrandbits(128)).hex,
        span_id=f"{rng.getrandbits(64):016x}",
        name="chat",
        kind="CLIENT",
        start_time=start,
        end_time=start + timedelta(milliseconds=duration),
        duration_ms=duration,
        status_code="ERROR" if rng.random() < 0.1 else "OK",
        is_llm=True,
        provider="openai",
        input_tokens=rng.randint(10, 500),
        output_tokens=rng.randint(10, 900),
        cost_usd=None if rng.random() < 0.1 else rng.uniform(1e-5, 1e-3),
        experiment=experiment,
        variant=variant or rng.choice("abc"),
        attributes={},
        events=[],
        resource={},
    )
    row.update(overrides)
    row["category"] = "llm" if row["is_llm"] else "other"
    return row


def _spans(seed: int, n: int) -> list[dict]:
    """Experiment ``ab`` spans plus spans results must ignore (other experiment, not LLM, no tag)."""
    rng = random.Random(seed)
    rows = [_span(rng) for _ in range(n)]
    rows += [_span(rng, experiment="other") for _ in range(20)]
    rows += [_span(rng, is_llm=False) for _ in range(10)]
    rows += [_span(rng, experiment=None, variant=None) for _ in range(10)]
    rows[0]["variant"] = None  # tagged with the experiment but no variant: attributed to none
    return rows


def _create(url: str) -> None:
    variants = [
        VariantSpec("a", 34, True, GPT),
        VariantSpec("b", 33, False, GPT),
        VariantSpec("c", 33, False, GPT),
    ]
    service.create_experiment(get_engine(url), P, ExperimentSpec(name="ab", variants=variants))


def _store(url: str, rows: list[dict], batch: int = 97) -> int:
    engine = get_engine(url)
    with engine.begin() as conn:
        project_id = ensure_project(conn, P)
    rows = [{**row, "project_id": project_id} for row in rows]
    stored = 0
    for i in range(0, len(rows), batch):
        with engine.begin() as conn:
            stored += insert_rows(conn, rows[i : i + batch])
    return stored


def _scores(rows: list[dict]) -> list[dict]:
    """Feedback on some spans, on a trace, and on a span never stored."""
    scores = [
        {"span_id": r["span_id"], "trace_id": r["trace_id"], "score": i % 3 / 2}
        for i, r in enumerate(rows[1:40])
    ]
    scores.append({"span_id": None, "trace_id": rows[50]["trace_id"], "score": 0.25})
    scores.append({"span_id": "00000000deadbeef", "trace_id": None, "score": 1.0})
    return scores


def _score(url: str, rows: list[dict], one_by_one: bool = False, scores: list[dict] | None = None) -> None:
    engine = get_engine(url)
    with engine.begin() as conn:
        project_id = ensure_project(conn, P)
    scores = [_feedback_row(project_id, s) for s in scores or _scores(rows)]
    for part in [[s] for s in scores] if one_by_one else [scores]:
        with engine.begin() as conn:
            conn.execute(insert(score_table), part)


def _feedback_row(project_id: int, score: dict, name: str = "user_feedback") -> dict:
    """A ``user_feedback`` score as the feedback service stores it (other names count for nothing)."""
    row = {key: value for key, value in score.items() if key != "score"}
    return {
        **row,
        "value": score["score"],
        "name": name,
        "data_type": "numeric",
        "project_id": project_id,
        "source": "api",
    }


def _exact(url: str) -> dict:
    """Per-variant rows aggregated from the spans and the feedback join (any database)."""
    with get_engine(url).connect() as conn:
        project_id = ensure_project(conn, P)
        scores = aggregate.feedback_moments(conn, project_id, "ab")
        rows = aggregate.exact(conn, project_id, "ab")
    return {name: replace(row, feedback=scores.get(name, aggregate.NO_VALUES)) for name, row in rows.items()}


def _rolled_up(url: str) -> dict:
    with get_engine(url).connect() as conn:
        project_id = ensure_project(conn, P)
        return aggregate.summarise(conn, project_id, "ab")


def _assert_same_rows(rolled: dict, exact: dict) -> None:
    assert sorted(rolled) == sorted(exact) == ["a", "b", "c"]
    for name, row in exact.items():
        mine = rolled[name]
        assert (mine.calls, mine.successes, mine.input_tokens, mine.output_tokens) == (
            row.calls,
            row.successes,
            row.input_tokens,
            row.output_tokens,
        )
        for metric in ("latency", "cost", "feedback"):
            a, b = getattr(mine, metric), getattr(row, metric)
            assert a.n == b.n
            assert (a.total, a.sum_squares) == pytest.approx((b.total, b.sum_squares), rel=1e-12)
        assert mine.p50_ms == pytest.approx(row.p50_ms, rel=histogram.RELATIVE_ERROR)
        assert mine.p95_ms == pytest.approx(row.p95_ms, rel=histogram.RELATIVE_ERROR)


def test_histogram_percentiles_stay_within_the_documented_error():
    rng = numpy.random.default_rng(3)
    for values in (rng.lognormal(6, 0.5, 5000), rng.uniform(0.001, 5, 301), numpy.array([42.0, 42.0, 42.0])):
        counts: dict[int, int] = {}
        for v in values:
            counts[histogram.bucket_of(v)] = counts.get(histogram.bucket_of(v), 0) + 1
        for q in (0.5, 0.95, 0.99):
            estimate = histogram.percentile(list(counts.items()), q, values.min(), values.max())
            exact = numpy.percentile(values, q * 100)
            assert estimate == pytest.approx(exact, rel=histogram.RELATIVE_ERROR)
    assert histogram.percentile([], 0.5) is None


def test_trigger_buckets_match_the_python_histogram(pg_url):
    rows = _spans(11, 300)
    for row, duration in zip(rows[1:], (0.0, 0.004, 0.01, 1.0, 99_999.5), strict=False):
        row.update(duration_ms=duration, status_code="OK")
    _store(pg_url, rows)
    expected: dict[tuple[str, int], int] = {}
    for r in rows:
        if r["experiment"] == "ab" and r["variant"] and r["is_llm"] and r["status_code"] != "ERROR":
            key = (r["variant"], histogram.bucket_of(r["duration_ms"]))
            expected[key] = expected.get(key, 0) + 1
    t = experiment_latency_buckets
    query = select(t.c.variant, t.c.bucket, t.c["count"]).where(t.c.experiment == "ab")
    with get_engine(pg_url).connect() as conn:
        assert {(v, b): c for v, b, c in conn.execute(query)} == expected
    assert (
        ("a", histogram.bucket_of(0.01)) in expected
        or ("b", histogram.bucket_of(0.01)) in expected
        or (
            "c",
            histogram.bucket_of(0.01),
        )
        in expected
    )


def test_postgres_results_from_rollups_equal_sqlite_exact_results(sqlite_url, pg_url):
    rows = _spans(5, 600)
    for url in (sqlite_url, pg_url):
        _create(url)
        _store(url, rows)
        _score(url, rows)
    _assert_same_rows(_rolled_up(pg_url), _exact(sqlite_url))
    lite = results.experiment_results(get_engine(sqlite_url), P, "ab")
    pg = results.experiment_results(get_engine(pg_url), P, "ab")
    for mine, theirs in zip(pg.variants, lite.variants, strict=True):
        assert (mine.calls, mine.successes, mine.feedback_count) == (
            theirs.calls,
            theirs.successes,
            theirs.feedback_count,
        )
        for field in ("latency_mean_ms", "latency_sd_ms", "cost_mean_usd", "cost_sd_usd", "feedback_mean"):
            assert getattr(mine, field) == pytest.approx(getattr(theirs, field), rel=1e-9), field
    assert sum(v.feedback_count for v in pg.variants) == 39 + 1  # 39 span scores + the trace's one span
    assert len(pg.comparisons) == len(lite.comparisons) == 8
    for mine, theirs in zip(pg.comparisons, lite.comparisons, strict=True):
        assert (mine.metric, mine.variant, mine.test, mine.needed_per_variant) == (
            theirs.metric,
            theirs.variant,
            theirs.test,
            theirs.needed_per_variant,
        )
        assert (mine.p_value, mine.p_adjusted, mine.ci_low, mine.ci_high) == pytest.approx(
            (theirs.p_value, theirs.p_adjusted, theirs.ci_low, theirs.ci_high), rel=1e-9
        )
    assert (pg.winner, pg.verdict) == (lite.winner, lite.verdict)


def _rollup_table(url: str) -> list[tuple]:
    t = experiment_rollups
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(select(t).order_by(t.c.experiment, t.c.variant))]


def test_duplicate_exports_and_retries_are_counted_once(pg_url):
    rows = _spans(7, 400)
    assert _store(pg_url, rows[:300]) == 300
    before = _rollup_table(pg_url)
    assert _store(pg_url, rows[:300], batch=300) == 0  # the whole batch again: the staging path
    assert _rollup_table(pg_url) == before
    assert _store(pg_url, rows[200:], batch=500) == len(rows) - 300  # half stored already, half new
    _assert_same_rows(_rolled_up(pg_url), _exact(pg_url))
    assert sum(r.calls for r in _rolled_up(pg_url).values()) == 399  # 400 less the one without variant


def _run_together(*jobs) -> None:
    """Run the jobs in threads at the same time; fail with the first error any of them raised."""
    errors: list[BaseException] = []

    def run(job):
        try:
            job()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def test_concurrent_writers_of_overlapping_batches_count_each_span_once(pg_url):
    rows = _spans(9, 1200)
    halves = (rows[:800], list(reversed(rows[400:])))
    _run_together(*(lambda half=half: _store(pg_url, half, batch=64) for half in halves))
    _assert_same_rows(_rolled_up(pg_url), _exact(pg_url))
    with get_engine(pg_url).connect() as conn:
        calls = conn.execute(
            select(func.sum(experiment_rollups.c.calls)).where(experiment_rollups.c.experiment == "ab")
        )
        assert calls.scalar() == 1199


def test_spans_stored_before_the_migration_are_backfilled(pg_url):
    migrate.downgrade(pg_url, "0005_replays")
    rows = _spans(13, 250)
    engine = get_engine(pg_url)
    present = {c["name"] for c in inspect(engine).get_columns("spans")}
    later = [c for c in spans.columns if c.name not in present]  # the writer's, added after 0005
    with engine.begin() as conn:
        for column in later:
            conn.execute(
                text(f"ALTER TABLE spans ADD COLUMN {column.name} {column.type.compile(engine.dialect)}")
            )
    _store(pg_url, rows[:150])
    with engine.begin() as conn:
        for column in later:
            conn.execute(text(f"ALTER TABLE spans DROP COLUMN {column.name}"))
    migrate.upgrade(pg_url)
    _store(pg_url, rows[150:])
    _assert_same_rows(_rolled_up(pg_url), _exact(pg_url))
    assert astuple(_rolled_up(pg_url)["a"].latency) != (0, 0.0, 0.0)


def test_scores_stored_before_their_spans_are_counted_when_the_spans_arrive(pg_url):
    rows = _spans(17, 300)
    _score(pg_url, rows)
    assert all(r.feedback.n == 0 for r in _rolled_up(pg_url).values())
    _store(pg_url, rows)
    _assert_same_rows(_rolled_up(pg_url), _exact(pg_url))
    assert sum(r.feedback.n for r in _rolled_up(pg_url).values()) == 40


def test_scores_and_spans_written_at_the_same_time_are_paired_once(pg_url):
    rows = _spans(19, 600)
    _store(pg_url, rows[:1])  # the project exists before the race
    # Scores spread over all the spans, one transaction each, while the spans go in small batches:
    # many score/span pairs are written at about the same moment by the two writers.
    scores = [{"span_id": r["span_id"], "trace_id": r["trace_id"], "score": 1.0} for r in rows[5::10]]
    scores += [{"span_id": None, "trace_id": r["trace_id"], "score": 0.5} for r in rows[10::50]]
    _run_together(
        lambda: _store(pg_url, rows[1:], batch=8),
        lambda: _score(pg_url, rows, one_by_one=True, scores=scores),
    )
    _assert_same_rows(_rolled_up(pg_url), _exact(pg_url))
    in_experiment = len(rows[5:600:10]) + len(rows[10:600:50])  # the others score spans results ignore
    assert sum(r.feedback.n for r in _rolled_up(pg_url).values()) == in_experiment == len(scores) - 5


def test_only_user_feedback_counts_and_a_deleted_score_is_taken_back(pg_url):
    rows = _spans(23, 120)
    _store(pg_url, rows)
    engine = get_engine(pg_url)
    with engine.begin() as conn:
        project_id = ensure_project(conn, P)
        others = [_feedback_row(project_id, s, name="helpfulness") for s in _scores(rows)]
        conn.execute(insert(score_table), others)
    assert sum(r.feedback.n for r in _rolled_up(pg_url).values()) == 0
    _score(pg_url, rows)
    assert sum(r.feedback.n for r in _rolled_up(pg_url).values()) == 40
    with engine.begin() as conn:
        first = select(func.min(score_table.c.id)).where(score_table.c.name == "user_feedback")
        conn.execute(score_table.delete().where(score_table.c.id.in_(first.scalar_subquery())))
        conn.execute(score_table.delete().where(score_table.c.name == "helpfulness"))
    _assert_same_rows(_rolled_up(pg_url), _exact(pg_url))
    assert sum(r.feedback.n for r in _rolled_up(pg_url).values()) == 39
