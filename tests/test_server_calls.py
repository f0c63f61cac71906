"""Model calls the server makes for a user (experiment runs, replays, batch replays) through one call
path: each call's spans are stored in the project of the request that caused it, and nowhere else —
not in another project running at the same time, not in the app-wide exporter's project."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import openai
import pytest
from sqlalchemy import func, select

import otel_llm
from otel_llm import attributes as attrs
from otel_llm import pipeline, server_calls
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import projects, spans
from tests.web_helpers import api_key, bearer, ensure_project, make_app

SLOW = "[[mock:latency=400]]"  # every call of project A's run takes at least this long


def _experiment(name: str, questions: list[str]) -> dict:
    return {
        "name": name,
        "primary_metric": "latency_ms",
        "variants": [
            {
                "name": "a",
                "weight": 50,
                "is_control": True,
                "config": {"provider": "openai", "model": "gpt-4o-mini"},
            },
            {
                "name": "b",
                "weight": 50,
                "config": {"provider": "anthropic", "model": "claude-3-5-haiku-latest"},
            },
        ],
        "test_cases": [{"messages": [{"role": "user", "content": q}]} for q in questions],
    }


def _wait(read, done, timeout: float = 90.0):
    """``read()`` until ``done(value)`` (background runs), or the last value after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def _per_project(url: str) -> dict[str, dict[str, int]]:
    """Stored spans counted per project: all, LLM, replays, and per experiment tag."""
    query = (
        select(
            projects.c.name,
            spans.c.is_llm,
            spans.c.replay_of.is_not(None).label("replay"),
            spans.c.experiment,
            func.count().label("n"),
        )
        .select_from(spans.join(projects, projects.c.id == spans.c.project_id))
        .group_by(projects.c.name, spans.c.is_llm, spans.c.replay_of.is_not(None), spans.c.experiment)
    )
    counts: dict[str, dict[str, int]] = {}
    with get_engine(url).connect() as conn:
        for row in conn.execute(query):
            bucket = counts.setdefault(row.name, {"all": 0, "llm": 0, "replays": 0})
            bucket["all"] += row.n
            bucket["llm"] += row.n if row.is_llm else 0
            bucket["replays"] += row.n if row.replay else 0
            if row.experiment:
                bucket[f"experiment:{row.experiment}"] = bucket.get(f"experiment:{row.experiment}", 0) + row.n
    return counts


def _app_calls(mock, count: int, model: str) -> None:
    client = openai.OpenAI(api_key="sk-app", base_url=mock.url + "/v1", max_retries=0)
    for i in range(count):
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": f"app call {i}"}])


def test_runs_replays_and_batch_of_two_projects_at_once_store_spans_in_their_own_project(db_url, mock_llm):
    # Project B has recorded app traffic to replay; then the process's app-wide exporter points at a
    # third project, as in an app that serves the console and makes its own LLM calls.
    otel_llm.configure(database_url=db_url, project="beta")
    otel_llm.instrument()
    _app_calls(mock_llm, 3, "gpt-4.1")
    assert pipeline.flush()
    otel_llm.configure(database_url=db_url, project="bystander")
    ensure_project(db_url, "alpha")

    web = make_app(db_url, EXPERIMENTS_BASE_URL=mock_llm.url, REPLAY_BASE_URL=mock_llm.url)
    alpha, beta = bearer(api_key(db_url, "alpha", "editor")), bearer(api_key(db_url, "beta", "editor"))
    http = web.test_client()
    created_a = http.post(
        "/api/v1/experiments", json=_experiment("run-a", [f"A one {SLOW}", f"A two {SLOW}"]), headers=alpha
    )
    created_b = http.post("/api/v1/experiments", json=_experiment("run-b", ["B one", "B two"]), headers=beta)
    assert (created_a.status_code, created_b.status_code) == (201, 201)
    originals = [s["span_id"] for s in http.get("/api/v1/spans", headers=beta).get_json()["items"]]
    assert len(originals) == 3

    # Project A's run lasts at least 6 rounds of 400 ms; everything below starts while it runs.
    run_a = http.post("/api/v1/experiments/run-a/runs", json={"repeat": 3, "concurrency": 2}, headers=alpha)
    assert run_a.status_code == 202, run_a.get_json()
    again = http.post("/api/v1/experiments/run-a/runs", json={}, headers=alpha)
    assert again.status_code == 409 and "already running" in again.get_json()["error"]["message"]
    run_b = http.post("/api/v1/experiments/run-b/runs", json={}, headers=beta)  # another project: no wait
    assert run_b.status_code == 202, run_b.get_json()
    batch = http.post(
        "/api/v1/replay-runs",
        json={
            "selection": {"model": "gpt-4.1", "limit": 3},
            "overrides": {"model": "gpt-4o"},
            "concurrency": 2,
        },
        headers=beta,
    )
    assert batch.status_code == 202, batch.get_json()

    def replay(span_id: str) -> int:
        client = web.test_client()
        return client.post(f"/api/v1/spans/{span_id}/replay", json={}, headers=beta).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        bystander = pool.submit(_app_calls, mock_llm, 4, "gpt-4o-mini")
        replays = list(pool.map(replay, originals))
        bystander.result()
    assert replays == [201, 201, 201]

    def runs(name, headers):
        return lambda: http.get(f"/api/v1/experiments/{name}/runs", headers=headers).get_json()["items"]

    finished = lambda items: items and items[0]["status"] != "running"  # noqa: E731
    assert [r["status"] for r in _wait(runs("run-a", alpha), finished)] == ["completed"]
    assert [r["status"] for r in _wait(runs("run-b", beta), finished)] == ["completed"]
    batch_run = _wait(
        lambda: http.get(f"/api/v1/replay-runs/{batch.get_json()['id']}", headers=beta).get_json()["run"],
        lambda run: run["status"] != "running",
    )
    assert (batch_run["status"], batch_run["count"], batch_run["error_count"]) == ("ok", 3, 0)
    assert pipeline.flush()

    # A: 2 cases x 2 variants x 3 repeats, each an LLM span in an experiment.run_item span.
    # B: 3 recorded calls, 3 replays, 3 batch replays, and its own run (2 x 2).
    # The app-wide exporter's project: the app's own 4 calls, nothing the server made.
    assert _per_project(db_url) == {
        "alpha": {"all": 24, "llm": 12, "replays": 0, "experiment:run-a": 24},
        "beta": {"all": 17, "llm": 13, "replays": 6, "experiment:run-b": 8},
        "bystander": {"all": 4, "llm": 4, "replays": 0},
    }
    assert len(mock_llm.requests) == 3 + 12 + 4 + 3 + 3 + 4

    # What a viewer of B reads: B's spans only (the reported leak: B's key read A's replayed messages).
    viewer = bearer(api_key(db_url, "beta", "viewer"))
    listed = http.get("/api/v1/spans?limit=200", headers=viewer).get_json()["items"]
    assert len(listed) == 13 and {s["experiment"] for s in listed} == {None, "run-b"}
    a_trace = http.get("/api/v1/spans?limit=1", headers=alpha).get_json()["items"][0]["trace_id"]
    assert http.get(f"/api/v1/traces/{a_trace}", headers=viewer).status_code == 404


def test_a_recording_takes_only_its_own_calls(sqlite_url, mock_llm):
    """App calls in the same process (another thread, or the same thread outside the block) are
    neither captured nor affected; the server call does not inherit the caller's tags or span."""
    client = openai.OpenAI(api_key="sk-app", base_url=mock_llm.url + "/v1", max_retries=0)
    inside = threading.Event()
    release = threading.Event()

    def app_thread() -> None:
        inside.wait(30)
        client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "app"}])
        release.set()

    worker = threading.Thread(target=app_thread)
    worker.start()
    with otel_llm.tags(experiment="app-experiment", variant="x"):
        with server_calls.record(
            7, tags={"prompt_name": "support"}, attributes={attrs.REPLAY_OF: "ab" * 8}
        ) as rec:
            inside.set()
            assert release.wait(30)  # the app's call happens while the block is open
            client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "server"}])
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "after"}])
    worker.join()

    [row] = rec.rows(get_engine(sqlite_url))
    assert (row["project_id"], row["request_model"], row["parent_span_id"]) == (7, "gpt-4o", None)
    assert (row["prompt_name"], row["experiment"], row["replay_of"]) == ("support", None, "ab" * 8)
    assert row["service_name"] == server_calls.recording.SERVICE_NAME
    assert len(mock_llm.requests) == 3


@pytest.fixture(autouse=True)
def _no_app_pipeline_left():
    yield
    pipeline.uninstrument()
    pipeline.shutdown()


def test_server_call_spans_and_run_items_are_costed_with_the_projects_own_prices(db_url, mock_llm):
    from otel_llm.experiments import runs, service
    from otel_llm.experiments.model import ExperimentSpec, VariantSpec
    from otel_llm.experiments.validation import case_from_text
    from otel_llm.pricing import custom
    from otel_llm.storage.schema_experiments import experiment_run_items

    engine = get_engine(db_url)
    project_id = ensure_project(db_url, "priced")
    custom.set_price(engine, project_id, "gpt-4o-mini*", actor="test", input=1000.0, output=2000.0)
    model = {"provider": "openai", "model": "gpt-4o-mini"}
    variants = [VariantSpec("a", 50, True, model), VariantSpec("b", 50, False, {**model, "temperature": 0.9})]
    spec = ExperimentSpec(name="priced", variants=variants, test_cases=[case_from_text("Hello")])
    service.create_experiment(engine, "priced", spec)

    report = runs.run_experiment(engine, "priced", "priced", base_url=mock_llm.url)

    with engine.connect() as conn:
        stored = conn.execute(
            select(spans.c.input_tokens, spans.c.output_tokens, spans.c.cost_usd).where(
                spans.c.is_llm.is_(True)
            )
        ).all()
        item_costs = conn.execute(select(experiment_run_items.c.cost_usd)).scalars().all()
    assert len(stored) == 2
    for row in stored:
        assert row.cost_usd == pytest.approx((row.input_tokens * 1000 + row.output_tokens * 2000) / 1e6)
    assert sorted(item_costs) == pytest.approx(sorted(r.cost_usd for r in stored))
    assert report.cost_usd == pytest.approx(sum(r.cost_usd for r in stored))
