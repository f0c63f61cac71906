"""An evaluation run's page in a real browser: the intervals, the paired verdict in words, and the
items re-sorted by another evaluator's score difference."""

from __future__ import annotations

import uuid

import pytest

from otel_llm import pipeline
from otel_llm.evaluation import runs
from tests.evaluation_data import make_dataset


@pytest.fixture(autouse=True)
def _pipeline_torn_down():
    yield
    pipeline.uninstrument()
    pipeline.shutdown()


def test_run_page_shows_verdict_and_sorts_items(page, console, mock_llm):
    name = f"faq-{uuid.uuid4().hex[:6]}"
    rows = [(f"How do I reset my password? Case {i}.", "Open the sign-in page.") for i in range(10)]
    make_dataset(console.engine, console.project, name, rows)
    spec = runs.RunSpec(
        name,
        ("brief:model=gpt-4o-mini,system_prompt=Be brief.", "full:model=gpt-4o-mini"),
        ("similarity", "judge:helpfulness"),
        base_url=mock_llm.url,
    )
    run_id = runs.run_evaluation(console.engine, console.project, spec).run_id

    page.goto(console.path("/eval-runs"))
    page.click(f"text=#{run_id}")
    verdict = page.locator("#verdicts .comparison[data-evaluator='similarity']")
    assert "brief is better, and this is unlikely to be chance" in verdict.inner_text()
    cell = page.locator("#cells tr[data-evaluator='similarity'] td[data-variant='full']").inner_text()
    assert "n=10" in cell and "[" in cell  # the mean with its 95 % interval
    charts = page.locator("#distributions canvas")
    assert charts.count() == 2  # one distribution chart per evaluator, drawn by Chart.js
    assert page.evaluate(
        "() => [...document.querySelectorAll('#distributions canvas')].every(c => Chart.getChart(c))"
    )
    differences = [float(t) for t in page.locator("#items [data-field='difference']").all_inner_texts()]
    assert len(differences) == 10 and differences == sorted(differences)

    page.select_option("#sort-by", "judge:helpfulness")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**sort_by=judge*")
    resorted = [float(t) for t in page.locator("#items [data-field='difference']").all_inner_texts()]
    assert resorted == sorted(resorted)
    assert page.locator("#sort-by").input_value() == "judge:helpfulness"


def test_online_rule_is_added_and_removed_from_the_runs_page(page, console):
    name = f"orders-{uuid.uuid4().hex[:6]}"
    page.goto(console.path("/eval-runs"))
    page.click("#new-eval-rule summary")
    page.fill("#rule-name", name)
    page.fill("#rule-evaluator", "json")
    page.fill("#rule-sample", "25")
    page.click("#new-eval-rule button[type=submit]")
    row = page.locator("#eval-rules tr", has_text=name)
    assert "25 %" in row.inner_text() and "json" in row.inner_text()
    row.locator("button", has_text="Remove").click()
    page.wait_for_load_state()
    assert "Rule removed" in page.content() and page.locator("#eval-rules tr", has_text=name).count() == 0
