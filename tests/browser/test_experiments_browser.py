"""Experiments in a real browser: create one with the form, run it against the local provider, watch
the results page refresh itself, read the significance in words, promote the winner; a viewer sees
no actions; a run the server cannot make (no provider credentials) is shown failed with its sentence."""

from __future__ import annotations

import re
import uuid

import pytest

from otel_llm import pipeline
from otel_llm.experiments import service
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.experiments.validation import case_from_text
from tests.browser.conftest import sign_in


@pytest.fixture(autouse=True)
def _pipeline_torn_down():
    yield
    pipeline.uninstrument()
    pipeline.shutdown()


def _calls(page) -> int:
    return sum(int(t) for t in page.locator(".variant-card [data-field='calls']").all_inner_texts())


def test_create_run_see_results_and_promote(page, console, mock_llm, monkeypatch, open_page):
    monkeypatch.setenv("OTEL_LLM_MOCK_URL", mock_llm.url)  # the console's runs go to the local provider
    name = f"bakeoff-{uuid.uuid4().hex[:6]}"
    page.goto(console.path("/experiments"))
    page.click("#new-experiment summary")
    page.fill("#ne-name", name)
    page.fill("#ne-hypothesis", "Haiku is as good and cheaper")
    page.fill("#v0_model", "gpt-4o-mini")
    page.select_option("#v1_provider", "anthropic")
    page.fill("#v1_model", "claude-3-5-haiku-latest")
    page.fill(
        "#ne-cases", "\n".join(f"Question {i} [[mock:latency=40]]" for i in range(4)) + "\n<b>bold?</b>"
    )
    page.click("#new-experiment button[type=submit]")
    page.wait_for_url(re.compile(rf"/experiments/{name}$"))
    assert "Created experiment" in page.locator(".flash").first.inner_text()
    assert page.inner_text("#experiment-status") == "draft"

    page.fill("#run-repeat", "3")
    page.click("#run-experiment")
    page.wait_for_url(re.compile(rf"/experiments/{name}$"))
    assert "started; this page refreshes" in page.locator(".flash").first.inner_text()
    # the page updates itself while the run goes on: 5 cases × 2 variants × 3 = 30 calls
    page.wait_for_function(
        "() => [...document.querySelectorAll(\".variant-card [data-field='calls']\")]"
        ".reduce((sum, e) => sum + Number(e.textContent), 0) === 30",
        timeout=90_000,
    )
    page.reload()
    assert page.inner_text("#experiment-status") == "running"
    assert _calls(page) == 30
    assert "completed" in page.inner_text("#runs")
    cost_line = page.locator(".variant-card[data-variant='b'] [data-metric='cost_usd']").inner_text()
    assert "b is" in cost_line and "than a" in cost_line and ("chance" in cost_line)
    assert "<b>bold?</b>" in page.text_content("details.panel ol")  # a test case shown as text
    intervals = page.evaluate("Chart.getChart('chart-latency').data.datasets[1].data")
    assert len(intervals) == 2 and all(low <= high for low, high in intervals)
    assert page.evaluate("Chart.getChart('chart-cost').data.labels") == ["a", "b"]

    page.select_option("#promote-variant", "b")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#promote")
    page.wait_for_load_state()
    assert "apps now get b" in page.locator(".flash").first.inner_text()
    assert page.inner_text("#experiment-status") == "completed"

    viewer = open_page()
    sign_in(viewer, console, console.create_user("exp-viewer@example.com", "viewer"))
    viewer.goto(console.path(f"/experiments/{name}"))
    assert viewer.locator("#run-experiment, #promote, #start-experiment").count() == 0
    viewer.goto(console.path("/experiments"))
    assert viewer.locator("#new-experiment").count() == 0
    assert name in viewer.inner_text("#experiment-list")


def test_a_run_without_credentials_is_shown_failed_with_its_sentence(page, console, monkeypatch):
    for variable in ("OPENAI_API_KEY", "OTEL_LLM_MOCK_URL"):
        monkeypatch.delenv(variable, raising=False)
    name = f"nokeys-{uuid.uuid4().hex[:6]}"
    variants = [
        VariantSpec("a", 50, True, {"provider": "openai", "model": "gpt-4o-mini"}),
        VariantSpec("b", 50, False, {"provider": "openai", "model": "gpt-4.1-mini"}),
    ]
    spec = ExperimentSpec(name=name, variants=variants, test_cases=[case_from_text("Hi")])
    service.create_experiment(console.engine, console.project, spec)

    page.goto(console.path(f"/experiments/{name}"))
    page.click("#run-experiment")
    page.wait_for_url(re.compile(rf"/experiments/{name}$"))
    sentence = "no credentials for provider 'openai': set OPENAI_API_KEY, or --base-url"
    flash = page.locator(".flash-error").first
    assert flash.is_visible() and "failed: " + sentence in flash.inner_text()
    row = page.locator("#runs tr", has_text="failed").first
    assert row.is_visible()
    error = page.locator("#runs .run-error").first
    assert error.is_visible() and sentence in error.inner_text()
