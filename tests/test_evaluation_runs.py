"""Evaluation runs through the real SDKs against the local provider, on SQLite and Postgres:
every item × variant judged, stored as scores on the answer spans, resumable, never app traffic."""

from __future__ import annotations

import threading
import types

import pytest
from sqlalchemy import func, select

from otel_llm import pipeline
from otel_llm.evaluation import results, runs
from otel_llm.evaluation.errors import EvaluationError
from otel_llm.evaluation.gate import gate
from otel_llm.prompts import versions
from otel_llm.prompts.catalog import project_id as prompt_project
from otel_llm.prompts.metrics import version_metrics
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import spans
from otel_llm.storage.schema_evaluations import eval_run_results
from otel_llm.storage.schema_scores import scores
from otel_llm.traces.overview import overview
from tests.evaluation_data import make_dataset

P = "default"
EXPECTED = "Open the sign-in page and choose Forgot password."


@pytest.fixture(autouse=True)
def _pipeline_torn_down():
    yield
    pipeline.uninstrument()
    pipeline.shutdown()


def _spec(mock_llm, *evaluators, variants=None, **options):
    variants = variants or ("a:model=gpt-4o-mini", "b:model=claude-3-5-haiku-latest,max_tokens=200")
    return runs.RunSpec("faq", tuple(variants), tuple(evaluators), base_url=mock_llm.url, **options)


def test_every_item_and_variant_is_judged_and_scored_on_its_span(db_url, mock_llm):
    engine = get_engine(db_url)
    project_id = make_dataset(
        engine, P, "faq", [(f"How do I reset my password? ({i})", EXPECTED) for i in range(4)]
    )
    report = runs.run_evaluation(engine, P, _spec(mock_llm, "contains", "similarity", "judge:helpfulness"))
    assert (report.status, report.total, report.done, report.failed, report.evaluator_errors) == (
        "completed", 8, 8, 0, 0
    )  # fmt: skip
    assert len(mock_llm.requests) == 16  # 8 answers (OpenAI and Anthropic SDKs) + 8 judge calls
    with engine.connect() as conn:
        marked = dict(
            conn.execute(select(spans.c.evaluation, func.count()).group_by(spans.c.evaluation)).all()
        )
        stored = conn.execute(select(scores.c.name, scores.c.source_version, scores.c.eval_run_id)).all()
        judged = conn.execute(select(spans.c.attributes).where(spans.c.evaluation == "judge")).scalars().all()
    assert marked == {"run": 8, "judge": 8}
    assert sorted({(s.name, s.eval_run_id) for s in stored}) == [
        ("contains", report.run_id), ("judge:helpfulness", report.run_id), ("similarity", report.run_id)
    ]  # fmt: skip
    assert {s.source_version for s in stored if s.name == "judge:helpfulness"} == {"v1/gpt-4o-mini"}
    assert all(a.get("otel_llm.evaluation.of") for a in judged)  # each judge call names the answer it judged
    # The judge prompt is a versioned prompt of the registry, created on first use.
    assert versions.get_version(engine, project_id, "judge-helpfulness", 1).config["scale_high"] == 5
    # Never the app's traffic: the overview counts no call, though 16 were made.
    assert overview(engine, project_id, "24h")["totals"]["calls"] == 0
    found = results.run_results(engine, project_id, report.run_id)
    assert {(c.variant, c.evaluator): c.n for c in found.cells}[("b", "judge:helpfulness")] == 4
    assert found.cost_usd["a"] > 0 and found.cost_usd["b"] > 0


def test_prompt_versions_render_items_and_never_count_in_prompt_metrics(db_url, mock_llm):
    engine = get_engine(db_url)
    project_id = make_dataset(engine, P, "faq", [({"customer": "Ada"}, EXPECTED)])
    versions.create_version(engine, project_id, "support", "Greet {{customer}} and help them.")
    report = runs.run_evaluation(
        engine, P, _spec(mock_llm, "similarity", variants=("a:model=gpt-4o-mini",), prompt="support@v1")
    )
    assert report.done == 1 and report.failed == 0
    assert "Greet Ada and help them." in str(mock_llm.requests[0].body)
    with engine.connect() as conn:
        tagged = conn.execute(
            select(spans.c.prompt_name, spans.c.prompt_version).where(spans.c.is_llm.is_(True))
        ).all()
    assert [tuple(t) for t in tagged] == [("support", "1")]
    [metrics] = version_metrics(engine, project_id, "support")
    assert metrics.calls == 0


def test_an_interrupted_run_resumes_without_resending_finished_calls(db_url, mock_llm):
    engine = get_engine(db_url)
    make_dataset(engine, P, "faq", [(f"question {i}", EXPECTED) for i in range(5)])
    stop = threading.Event()
    seen = []

    def stop_after_three(work, answer):
        seen.append(work)
        if len(seen) == 3:
            stop.set()

    spec = _spec(mock_llm, "exact", concurrency=1)
    first = runs.run_evaluation(engine, P, spec, on_item=stop_after_three, stop=stop)
    assert (first.status, first.done) == ("interrupted", 3)
    sent = len(mock_llm.requests)
    second = runs.run_evaluation(engine, P, spec)
    assert (second.status, second.run_id, second.skipped, second.done) == ("completed", first.run_id, 3, 7)
    assert len(mock_llm.requests) - sent == 7


def test_evaluator_errors_are_recorded_per_item_never_as_scores(db_url, mock_llm, monkeypatch):
    engine = get_engine(db_url)
    project_id = make_dataset(engine, P, "faq", [("q1", EXPECTED), ("q2", None)])
    module = types.ModuleType("flaky_evals")
    module.picky = lambda output, *, expected, input, metadata: 1 / 0 if expected is None else True
    monkeypatch.setitem(__import__("sys").modules, "flaky_evals", module)
    # A judge prompt that asks for no score: the local provider answers prose, which cannot be parsed.
    versions.create_version(engine, project_id, "judge-vague", "Say something about: {{output}}")
    spec = _spec(mock_llm, "flaky_evals:picky", "judge:vague", variants=("a:model=gpt-4o-mini",))
    report = runs.run_evaluation(engine, P, spec)
    assert report.evaluator_errors == 3  # picky on q2, the vague judge on both
    with engine.connect() as conn:
        rows = conn.execute(
            select(eval_run_results.c.evaluator, eval_run_results.c.error, eval_run_results.c.score_id)
        ).all()
    errors = sorted((r.evaluator, r.error.split(":")[0]) for r in rows if r.error)
    assert errors == [("flaky_evals:picky", "ZeroDivisionError"), ("judge:vague", "the judge's answer holds no score"),
                      ("judge:vague", "the judge's answer holds no score")]  # fmt: skip
    assert all(r.score_id is None for r in rows if r.error)
    cells = {
        (c.evaluator): (c.n, c.errors) for c in results.run_results(engine, project_id, report.run_id).cells
    }
    assert cells == {"flaky_evals:picky": (1, 1), "judge:vague": (0, 2)}


def test_the_cost_cap_stops_starting_items(db_url, mock_llm):
    engine = get_engine(db_url)
    make_dataset(engine, P, "faq", [(f"question {i}", EXPECTED) for i in range(6)])
    report = runs.run_evaluation(engine, P, _spec(mock_llm, "exact", concurrency=1, max_cost_usd=1e-9))
    assert (report.status, report.done) == ("cost_cap", 1)


def test_gate_fails_a_significantly_worse_candidate_and_passes_an_equal_one(db_url, mock_llm):
    engine = get_engine(db_url)
    questions = [(f"How do I reset my password? Case {i}.", "Open the sign-in page.") for i in range(12)]
    project_id = make_dataset(engine, P, "faq", questions)
    for text in ("You help customers. Be brief.", "You help customers.", "You help customers. Be brief!"):
        versions.create_version(engine, project_id, "support", text, config={"model": "gpt-4o-mini"})
    options = dict(dataset="faq", evaluators=("similarity",), base_url=mock_llm.url)
    worse = gate(engine, P, baseline="support@v1", candidate="support@v2", **options)
    assert worse.exit_code == 1 and worse.reasons[0].startswith("FAIL similarity")
    same = gate(engine, P, baseline="support@v1", candidate="support@v3", max_drop=0.02, **options)
    assert same.exit_code == 0 and same.reasons[0].startswith("ok similarity")
    with pytest.raises(EvaluationError, match="same prompt version"):
        gate(engine, P, baseline="support@v1", candidate="support@v1", **options)


def test_refusals_are_worded_before_anything_is_sent(db_url, mock_llm):
    engine = get_engine(db_url)
    make_dataset(engine, P, "faq", [("q", EXPECTED)])
    for variants, evaluators, message in [
        (("a",), ("exact",), "write it as NAME:model="),
        (("a:model=gpt-4o-mini", "a:model=gpt-4o"), ("exact",), "names must differ"),
        (("a:model=gpt-4o-mini",), ("nonsense",), "unknown evaluator"),
        (("a:model=gpt-4o-mini",), ("judge:nobody",), "no judge prompt 'judge-nobody'"),
    ]:
        with pytest.raises(EvaluationError, match=message):
            runs.run_evaluation(engine, P, _spec(mock_llm, *evaluators, variants=variants))
    assert mock_llm.requests == []
    prompt_project(engine, P)
