"""Automated runs through the real SDKs against the local provider: traced, tagged, capped, resumable."""

import threading

import pytest
from sqlalchemy import func, select

from otel_llm import pipeline
from otel_llm.experiments import runs, service
from otel_llm.experiments.errors import ExperimentError
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.experiments.validation import case_from_text
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import spans
from otel_llm.storage.schema_experiments import experiment_run_items

P = "default"
VARIANTS = [
    VariantSpec("gpt", 50, True, {"provider": "openai", "model": "gpt-4o-mini", "temperature": 0.2}),
    VariantSpec(
        "claude", 50, False, {"provider": "anthropic", "model": "claude-3-5-haiku-latest", "max_tokens": 64}
    ),
]


@pytest.fixture(autouse=True)
def _pipeline_torn_down():
    yield
    pipeline.uninstrument()
    pipeline.shutdown()


def _create(url, cases, name="bakeoff"):
    spec = ExperimentSpec(name=name, variants=VARIANTS, test_cases=[case_from_text(c) for c in cases])
    return service.create_experiment(get_engine(url), P, spec)


def _llm_spans(url, experiment="bakeoff"):
    with get_engine(url).connect() as conn:
        query = select(spans.c.variant, spans.c.request_model, spans.c.status_code).where(
            spans.c.experiment == experiment, spans.c.is_llm.is_(True)
        )
        return conn.execute(query).all()


def test_run_sends_every_case_to_every_variant_and_records_failures(db_url, mock_llm):
    _create(db_url, ["What is OTel?", "Summarise this", "Fail please [[mock:error=500]]"])
    report = runs.run_experiment(
        get_engine(db_url), P, "bakeoff", repeat=2, concurrency=3, base_url=mock_llm.url
    )
    assert (report.status, report.total, report.done, report.failed) == ("completed", 12, 12, 4)
    assert report.cost_usd > 0
    assert len(mock_llm.requests) == 12
    stored = _llm_spans(db_url)
    assert sorted((r.variant, r.request_model) for r in stored) == sorted(
        [("gpt", "gpt-4o-mini")] * 6 + [("claude", "claude-3-5-haiku-latest")] * 6
    )
    assert sum(r.status_code == "ERROR" for r in stored) == 4
    assert service.get_experiment(get_engine(db_url), P, "bakeoff").status == "running"  # a draft is started
    [summary] = runs.run_summaries(get_engine(db_url), P, "bakeoff")
    assert (summary["status"], summary["items"], summary["failed"]) == ("completed", 12, 4)


def test_interrupted_run_resumes_without_repeating_items(db_url, mock_llm):
    _create(db_url, [f"question {i}" for i in range(5)])
    engine = get_engine(db_url)
    stop = threading.Event()
    seen = []

    def stop_after_three(item, result):
        seen.append(item)
        if len(seen) == 3:
            stop.set()

    first = runs.run_experiment(
        engine, P, "bakeoff", concurrency=1, base_url=mock_llm.url, on_item=stop_after_three, stop=stop
    )
    assert (first.status, first.done) == ("interrupted", 3)
    second = runs.run_experiment(engine, P, "bakeoff", concurrency=2, base_url=mock_llm.url)
    assert (second.status, second.run_id, second.skipped, second.done) == ("completed", first.run_id, 3, 7)
    assert len(mock_llm.requests) == 10  # each (case, variant) sent exactly once over both attempts
    assert len(_llm_spans(db_url)) == 10
    third = runs.run_experiment(engine, P, "bakeoff", base_url=mock_llm.url)  # finished run: a new one
    assert third.run_id != first.run_id and third.done == 10


def test_cost_cap_stops_cleanly_and_the_rest_runs_later(db_url, mock_llm):
    _create(db_url, ["one", "two", "three"])
    engine = get_engine(db_url)
    capped = runs.run_experiment(
        engine, P, "bakeoff", concurrency=1, max_cost_usd=1e-9, base_url=mock_llm.url
    )
    assert (capped.status, capped.done) == ("cost_cap", 1)
    assert capped.cost_usd >= 1e-9
    rest = runs.run_experiment(engine, P, "bakeoff", concurrency=1, base_url=mock_llm.url)
    assert (rest.status, rest.skipped, rest.done) == ("completed", 1, 5)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(experiment_run_items)).scalar_one() == 6


def test_refuses_what_cannot_run(db_url, mock_llm):
    engine = get_engine(db_url)
    _create(db_url, [], name="empty")
    with pytest.raises(ExperimentError, match="no test cases"):
        runs.run_experiment(engine, P, "empty", base_url=mock_llm.url)
    _create(db_url, ["hi"])
    service.start(engine, P, "bakeoff")
    service.stop(engine, P, "bakeoff")
    with pytest.raises(ExperimentError, match="experiments start bakeoff"):
        runs.run_experiment(engine, P, "bakeoff", base_url=mock_llm.url)
    with pytest.raises(ExperimentError, match="--repeat"):
        runs.run_experiment(engine, P, "bakeoff", repeat=0)
    assert mock_llm.requests == []


def test_variant_with_a_prompt_reference_sends_that_version_and_tags_it(db_url, mock_llm):
    from otel_llm.prompts import catalog, labels, versions

    engine = get_engine(db_url)
    project_id = catalog.project_id(engine, P, create=True)
    versions.create_version(engine, project_id, "support", "You are terse.")
    second = versions.create_version(engine, project_id, "support", "You are warm and thorough.")
    labels.publish(engine, project_id, "support", 2)
    spec = ExperimentSpec(
        name="prompts",
        variants=[
            VariantSpec(
                "v1", 50, True, {"provider": "openai", "model": "gpt-4o-mini", "prompt_ref": "support@v1"}
            ),
            VariantSpec(
                "prod",
                50,
                False,
                {"provider": "openai", "model": "gpt-4o-mini", "prompt_ref": "support@production"},
            ),
        ],
        test_cases=[case_from_text("Hello")],
    )
    service.create_experiment(engine, P, spec)
    runs.run_experiment(engine, P, "prompts", concurrency=1, base_url=mock_llm.url)
    systems = sorted(r.json["messages"][0]["content"] for r in mock_llm.requests)
    assert systems == ["You are terse.", "You are warm and thorough."]
    with engine.connect() as conn:
        rows = conn.execute(
            select(spans.c.variant, spans.c.prompt_name, spans.c.prompt_version, spans.c.prompt_hash).where(
                spans.c.experiment == "prompts", spans.c.is_llm.is_(True)
            )
        ).all()
    tags = {r.variant: (r.prompt_name, r.prompt_version, r.prompt_hash) for r in rows}
    assert tags["prod"] == ("support", "2", second.version_hash)
    assert tags["v1"][:2] == ("support", "1")


def test_a_missing_prompt_version_is_a_clear_error(db_url, mock_llm):
    engine = get_engine(db_url)
    spec = ExperimentSpec(
        name="ghost",
        variants=[
            VariantSpec("a", 50, True, {"provider": "openai", "model": "m", "prompt_ref": "nothing@v9"}),
            VariantSpec("b", 50, False, {"provider": "openai", "model": "m"}),
        ],
        test_cases=[case_from_text("Hello")],
    )
    service.create_experiment(engine, P, spec)
    with pytest.raises(ExperimentError, match="prompt reference 'nothing@v9'"):
        runs.run_experiment(engine, P, "ghost", base_url=mock_llm.url)
    assert mock_llm.requests == []
    assert service.get_experiment(engine, P, "ghost").status == "draft"  # refused runs change nothing
