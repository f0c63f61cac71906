"""Experiments take their test cases from a dataset version and their runs record it, on SQLite and
Postgres, through the real SDKs against the local provider."""

import pytest

from otel_llm import datasets, pipeline
from otel_llm.accounts import require_project
from otel_llm.experiments import runs, service
from otel_llm.experiments.errors import ExperimentError
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.experiments.validation import case_from_text
from otel_llm.storage.db import get_engine
from otel_llm.storage.writer import ensure_project

P = "default"
VARIANTS = [
    VariantSpec("a", 50, True, {"provider": "openai", "model": "gpt-4o-mini"}),
    VariantSpec("b", 50, False, {"provider": "openai", "model": "gpt-4o"}),
]


@pytest.fixture(autouse=True)
def _pipeline_torn_down():
    yield
    pipeline.uninstrument()
    pipeline.shutdown()


def _project(engine) -> int:
    with engine.begin() as conn:
        return ensure_project(conn, P)


def _spec(name="bakeoff", **more):
    return ExperimentSpec(name=name, variants=VARIANTS, **more)


def test_add_cases_adds_to_the_dataset_and_each_run_records_its_version(db_url, mock_llm):
    engine = get_engine(db_url)
    service.create_experiment(engine, P, _spec(test_cases=[case_from_text("Hello", "Hi")]))
    runs.run_experiment(engine, P, "bakeoff", base_url=mock_llm.url)
    assert service.add_test_cases(engine, P, "bakeoff", [case_from_text("Bye")]) == 2
    second = runs.run_experiment(engine, P, "bakeoff", base_url=mock_llm.url)

    pid = require_project(engine, P).id
    assert [i.expected_output for i in datasets.resolve(engine, pid, "bakeoff-cases")] == ["Hi", None]
    assert [(s["dataset_version"], s["items"]) for s in runs.run_summaries(engine, P, "bakeoff")] == [
        (2, 4),
        (1, 2),
    ]
    assert second.total == 4 and not second.resumed  # a new version is a new run, not a resumption


def test_an_experiment_runs_a_pinned_version_of_an_existing_dataset(db_url, mock_llm):
    engine = get_engine(db_url)
    pid = _project(engine)
    item = datasets.ItemSpec(messages=[{"role": "user", "content": "Hello"}])
    datasets.create(engine, pid, "qa", items=[item])
    datasets.add_items(
        engine, pid, "qa", [datasets.ItemSpec(messages=[{"role": "user", "content": "Later"}])]
    )

    experiment = service.create_experiment(engine, P, _spec(dataset="qa@v1"))
    assert (experiment.dataset, experiment.dataset_version, experiment.test_case_count) == ("qa", 1, 1)
    report = runs.run_experiment(engine, P, "bakeoff", base_url=mock_llm.url)
    assert report.total == 2
    assert [c.messages[0]["content"] for c in service.list_test_cases(engine, P, "bakeoff")] == ["Hello"]

    datasets.add_items(engine, pid, "qa", [datasets.ItemSpec(variables={"question": "x"})])
    with pytest.raises(ExperimentError, match="prompt variables"):
        service.create_experiment(engine, P, _spec("other", dataset="qa"))
    with pytest.raises(ExperimentError, match="does not exist"):
        service.create_experiment(engine, P, _spec("third", dataset="nope"))


def test_test_cases_cannot_take_the_name_of_an_existing_dataset(db_url):
    engine = get_engine(db_url)
    datasets.create(engine, _project(engine), "bakeoff-cases")
    with pytest.raises(ExperimentError, match="--dataset bakeoff-cases"):
        service.create_experiment(engine, P, _spec(test_cases=[case_from_text("Hello")]))
    assert service.list_experiments(engine, P) == []
