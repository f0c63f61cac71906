"""Results: attribution by the variant tag only, numbers that match scipy, winner and promotion.

Includes the seed's phase-2 testing plan end to end: create a model comparison, run it with 2+
models, verify traffic splitting, compare results, compute significance.
"""

import uuid
from datetime import UTC, datetime, timedelta

import numpy
import pytest
from scipy import stats as sps
from sqlalchemy import and_, func, insert, select

import otel_llm
from otel_llm import pipeline
from otel_llm.experiments import client, histogram, results, runs, service
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.experiments.validation import case_from_text
from otel_llm.providers import client as provider_client
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import SPAN_COLUMNS, spans
from otel_llm.storage.schema_scores import scores as feedback
from otel_llm.storage.writer import ensure_project

P = "default"
GPT = {"provider": "openai", "model": "gpt-4o-mini"}
CLAUDE = {"provider": "anthropic", "model": "claude-3-5-haiku-latest", "max_tokens": 64}


@pytest.fixture(autouse=True)
def _clean_state():
    client.clear_cache()
    yield
    pipeline.uninstrument()
    pipeline.shutdown()
    client.clear_cache()


def _create(url, name, variants, metric="latency_ms", cases=()):
    spec = ExperimentSpec(
        name=name, variants=variants, primary_metric=metric, test_cases=[case_from_text(c) for c in cases]
    )
    return service.create_experiment(get_engine(url), P, spec)


def _row(project_id, experiment, variant, duration, *, ok=True, cost=None, model="gpt-4o-mini"):
    start = datetime.now(UTC)
    row = dict.fromkeys(SPAN_COLUMNS)
    row.update(
        project_id=project_id,
        trace_id=uuid.uuid4().hex,
        span_id=uuid.uuid4().hex[:16],
        name="chat",
        kind="CLIENT",
        start_time=start,
        end_time=start + timedelta(milliseconds=duration),
        duration_ms=duration,
        status_code="OK" if ok else "ERROR",
        is_llm=True,
        category="llm",
        provider="openai",
        request_model=model,
        input_tokens=10,
        output_tokens=20,
        cost_usd=cost,
        experiment=experiment,
        variant=variant,
        attributes={},
        events=[],
        resource={},
    )
    return row


def test_numbers_match_scipy_on_the_stored_spans(db_url):
    _create(db_url, "seeded", [VariantSpec("a", 50, True, GPT), VariantSpec("b", 50, False, GPT)])
    rng = numpy.random.default_rng(7)
    lat_a, lat_b = rng.normal(800, 60, 40).round(3), rng.normal(700, 50, 35).round(3)
    cost_a, cost_b = rng.uniform(1e-4, 3e-4, 40), rng.uniform(1e-4, 2e-4, 35)
    engine = get_engine(db_url)
    with engine.begin() as conn:
        pid = ensure_project(conn, P)
        rows = [_row(pid, "seeded", "a", float(d), cost=float(c)) for d, c in zip(lat_a, cost_a, strict=True)]
        rows += [
            _row(pid, "seeded", "b", float(d), cost=float(c)) for d, c in zip(lat_b, cost_b, strict=True)
        ]
        rows += [_row(pid, "seeded", "a", 5.0, ok=False) for _ in range(10)]
        rows += [_row(pid, "seeded", "b", 5.0, ok=False) for _ in range(2)]
        conn.execute(insert(spans), rows)
        scored = [r for r in rows if r["variant"] == "b"][:6]
        conn.execute(
            insert(feedback),
            [
                {
                    "project_id": pid,
                    "span_id": r["span_id"],
                    "trace_id": r["trace_id"],
                    "name": "user_feedback",
                    "data_type": "numeric",
                    "value": s,
                    "source": "api",
                }
                for r, s in zip(scored, [1, 0.5, 1, 1, 0, 1], strict=True)
            ],
        )
    res = results.experiment_results(engine, P, "seeded")
    a, b = res.variants
    assert (a.calls, a.successes, b.calls, b.successes) == (50, 40, 37, 35)
    assert b.latency_mean_ms == pytest.approx(lat_b.mean())
    # Postgres reads p50/p95 from its latency histogram (documented bound), SQLite computes them exactly.
    rel = histogram.RELATIVE_ERROR if db_url.startswith("postgresql") else 1e-9
    assert b.latency_p50_ms == pytest.approx(numpy.percentile(lat_b, 50), rel=rel)
    assert b.latency_p95_ms == pytest.approx(numpy.percentile(lat_b, 95), rel=rel)
    assert a.cost_total_usd == pytest.approx(cost_a.sum()) and a.cost_mean_usd == pytest.approx(cost_a.mean())
    assert (b.feedback_mean, b.feedback_count, a.feedback_count) == (pytest.approx(4.5 / 6), 6, 0)
    latency = _one(res, "latency_ms")
    welch = sps.ttest_ind(lat_b, lat_a, equal_var=False)
    assert latency.p_value == pytest.approx(welch.pvalue, rel=1e-6)
    assert (latency.ci_low, latency.ci_high) == pytest.approx(
        tuple(welch.confidence_interval(0.95)), rel=1e-6
    )
    cost = _one(res, "cost_usd")
    assert cost.p_value == pytest.approx(sps.ttest_ind(cost_b, cost_a, equal_var=False).pvalue, rel=1e-6)
    success = _one(res, "success_rate")
    assert success.p_value == pytest.approx(
        sps.chi2_contingency([[35, 2], [40, 10]], correction=False).pvalue, rel=1e-9
    )
    assert latency.significant and latency.better and res.winner == "b"
    faster = (1 - lat_b.mean() / lat_a.mean()) * 100
    assert latency.summary == f"b is {faster:.1f} % faster than a; this is unlikely to be chance, p < 0.001"


def _one(res, metric):
    [comparison] = [c for c in res.comparisons if c.metric == metric]
    return comparison


def test_two_experiments_on_the_same_model_at_the_same_time_never_mix(db_url, mock_llm):
    engine = get_engine(db_url)
    cold = {**GPT, "temperature": 0.0}
    warm = {**GPT, "temperature": 1.0}
    for name in ("first", "second"):
        _create(
            db_url,
            name,
            [VariantSpec("cold", 50, True, cold), VariantSpec("warm", 50, False, warm)],
            cases=["alpha", "beta", "gamma"],
        )
    runs.run_experiment(engine, P, "first", base_url=mock_llm.url)
    runs.run_experiment(engine, P, "second", repeat=3, base_url=mock_llm.url)
    # untagged traffic on the same model in the same window, traced by the app's own pipeline
    otel_llm.configure(database_url=db_url, project=P)
    otel_llm.instrument()
    sdk = provider_client("openai", base_url=mock_llm.url)
    for _ in range(4):
        sdk.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    pipeline.flush()

    first = results.experiment_results(engine, P, "first")
    second = results.experiment_results(engine, P, "second")
    assert [v.calls for v in first.variants] == [3, 3]
    assert [v.calls for v in second.variants] == [9, 9]
    # the original plan's query (same model, since the experiment started) would have counted all 28
    started = service.get_experiment(engine, P, "first").started_at
    with engine.connect() as conn:
        by_model_and_time = conn.execute(
            select(func.count()).where(
                and_(
                    spans.c.request_model == "gpt-4o-mini",
                    spans.c.is_llm.is_(True),
                    spans.c.start_time >= started,
                )
            )
        ).scalar_one()
    assert by_model_and_time == 28


def test_phase_2_plan_compare_models_split_traffic_and_find_a_significant_winner(db_url, mock_llm):
    engine = get_engine(db_url)
    # 1. create a model comparison with three models
    _create(
        db_url,
        "bakeoff",
        [
            VariantSpec("gpt", 50, True, GPT),
            VariantSpec("claude", 30, False, CLAUDE),
            VariantSpec("mini", 20, False, {"provider": "openai", "model": "gpt-4.1-nano"}),
        ],
        cases=["Explain tracing", "Write a haiku"],
    )
    # 2. run it with every model (automated run through the real SDKs)
    report = runs.run_experiment(engine, P, "bakeoff", repeat=2, base_url=mock_llm.url)
    assert (report.status, report.done) == ("completed", 12)
    # 3. verify traffic splitting in the app: 3000 users, the weights within 2.5 points
    counts = {"gpt": 0, "claude": 0, "mini": 0}
    for user in range(3000):
        counts[otel_llm.experiment("bakeoff", unit_id=user, database_url=db_url).assign().name] += 1
    for name, weight in (("gpt", 50), ("claude", 30), ("mini", 20)):
        assert abs(counts[name] / 30 - weight) <= 2.5, counts
    # live traffic, traced by the app's own pipeline, where claude answers slower and mini faster than gpt
    otel_llm.configure(database_url=db_url, project=P)
    otel_llm.instrument()
    latency = {"gpt": 100, "claude": 220, "mini": 5}
    for user in range(72):
        with otel_llm.experiment("bakeoff", unit_id=f"live-{user}", database_url=db_url) as variant:
            _call(variant.config, mock_llm.url, latency[variant.name])
    pipeline.flush()
    # 4. compare results and 5. compute significance
    res = results.experiment_results(engine, P, "bakeoff")
    by_name = {v.name: v for v in res.variants}
    assert sum(v.calls for v in res.variants) == 12 + 72
    assert (
        by_name["claude"].latency_mean_ms > by_name["gpt"].latency_mean_ms > by_name["mini"].latency_mean_ms
    )
    claude, mini = (c for c in res.comparisons if c.metric == "latency_ms")
    assert claude.significant and not claude.better and "slower than gpt" in claude.summary
    assert mini.significant and mini.better and "faster than gpt" in mini.summary
    assert mini.p_adjusted >= mini.p_value  # Holm across the two challengers
    assert res.winner == "mini" and "mini wins on latency" in res.verdict
    # promote: the experiment ends and every user now gets the winner, untagged
    service.promote(engine, P, "bakeoff", res.winner)
    client.clear_cache()
    served = [otel_llm.experiment("bakeoff", unit_id=u, database_url=db_url).assign() for u in range(50)]
    assert {(v.name, v.tagged) for v in served} == {("mini", False)}


def test_no_winner_without_significance(db_url):
    _create(db_url, "flat", [VariantSpec("a", 50, True, GPT), VariantSpec("b", 50, False, GPT)])
    engine = get_engine(db_url)
    with engine.begin() as conn:
        pid = ensure_project(conn, P)
        conn.execute(insert(spans), [_row(pid, "flat", v, d) for v in "ab" for d in (100, 110, 90, 105)])
    res = results.experiment_results(engine, P, "flat")
    latency = _one(res, "latency_ms")
    assert not latency.significant and res.winner is None
    assert "this could be chance" in latency.summary and "No winner yet" in res.verdict


_clients = {}


def _call(config, url, latency_ms):
    key = (config["provider"], url)
    sdk = _clients.get(key) or _clients.setdefault(key, provider_client(config["provider"], base_url=url))
    messages = [{"role": "user", "content": "Which is faster?"}]
    headers = {"x-mock-latency-ms": str(latency_ms)}
    if config["provider"] == "openai":
        sdk.chat.completions.create(model=config["model"], messages=messages, extra_headers=headers)
    else:
        sdk.messages.create(model=config["model"], messages=messages, max_tokens=50, extra_headers=headers)
