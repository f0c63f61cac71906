"""``--evaluator`` on experiment runs and batch replays: every answer judged, the verdicts scores on its span, judge
calls never counted as the experiment's traffic."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from otel_llm import pipeline
from otel_llm.evaluation.attached import SpanJudging
from otel_llm.experiments import results, runs, service
from otel_llm.experiments.errors import ExperimentError
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.experiments.validation import case_from_text
from otel_llm.replay import Overrides, store
from otel_llm.replay.batch import Selection, execute, plan
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import spans
from otel_llm.storage.schema_scores import scores
from tests import replay_support

VARIANTS = [
    VariantSpec("gpt", 50, True, {"provider": "openai", "model": "gpt-4o-mini"}),
    VariantSpec(
        "brief", 50, False, {"provider": "openai", "model": "gpt-4o-mini", "system_prompt": "Be brief."}
    ),
]


@pytest.fixture(autouse=True)
def _pipeline_torn_down():
    yield
    pipeline.uninstrument()
    pipeline.shutdown()


def test_experiment_run_scores_every_answer_span(db_url, mock_llm):
    engine = get_engine(db_url)
    cases = [case_from_text(f"How do I reset my password? {i}", "Open the sign-in page.") for i in range(3)]
    service.create_experiment(
        engine, "default", ExperimentSpec(name="bakeoff", variants=VARIANTS, test_cases=cases)
    )
    report = runs.run_experiment(
        engine, "default", "bakeoff", base_url=mock_llm.url, evaluators=("similarity", "judge:helpfulness")
    )
    assert (report.done, report.failed) == (6, 0)
    with engine.connect() as conn:
        answers = (
            conn.execute(
                select(spans.c.span_id).where(spans.c.experiment == "bakeoff", spans.c.is_llm.is_(True))
            )
            .scalars()
            .all()
        )
        given = conn.execute(select(scores.c.span_id, scores.c.name, scores.c.source)).all()
        judges = conn.execute(select(spans.c.experiment).where(spans.c.evaluation == "judge")).scalars().all()
    assert sorted((s.span_id, s.name) for s in given) == sorted(
        (a, n) for a in answers for n in ("judge:helpfulness", "similarity")
    )
    assert {s.source for s in given} == {"evaluator"}
    assert judges == [None] * 6  # judge calls carry no experiment tag: never the experiment's calls
    found = results.experiment_results(engine, "default", "bakeoff")
    assert sum(v.calls for v in found.variants) == 6
    with pytest.raises(ExperimentError, match="unknown evaluator"):
        runs.run_experiment(engine, "default", "bakeoff", base_url=mock_llm.url, evaluators=("nonsense",))


app = replay_support.app  # fixture


def test_batch_replay_scores_each_replay_against_its_original(app):
    for question in ("first?", "second?"):
        app.chat(messages=[{"role": "user", "content": question}], max_tokens=30)
    judging = SpanJudging(app.engine, app.project_id, ["similarity"], base_url=app.mock.url)
    overrides = Overrides(model="gpt-4o")
    run = plan(app.engine, app.project_id, Selection(model="gpt-4o-mini", limit=10), overrides, "ana")
    execute(app.engine, app.project_id, run, overrides, "ana", base_url=app.mock.url, judging=judging)
    replays = store.list_replays(app.engine, app.project_id, run_id=run.run_id)
    with app.engine.connect() as conn:
        given = dict(
            conn.execute(select(scores.c.span_id, scores.c.value).where(scores.c.name == "similarity")).all()
        )
    assert sorted(given) == sorted(r["replay_span_id"] for r in replays)
    assert all(0 <= v <= 1 for v in given.values())
