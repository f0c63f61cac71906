"""The playground in a real browser: open a stored span, change the model, run it against the local
provider, save it as a new version of a prompt, and find that version on the prompt's page."""

from __future__ import annotations

import json
import re

from tests.browser.test_replay_browser import _openai_chat_span


def test_open_a_span_change_the_model_run_and_save_as_a_version(page, console, mock_llm, monkeypatch):
    monkeypatch.setenv("OTEL_LLM_MOCK_URL", mock_llm.url)  # server-side calls go to the local provider
    original = _openai_chat_span(console)
    new_model = "gpt-4.1" if original["request_model"] != "gpt-4.1" else "gpt-4o"

    page.goto(console.path(f"/traces/span/{original['span_id']}"))
    page.click("#open-in-playground")
    page.wait_for_url(re.compile(r"/playground\?span="))
    assert page.locator("#a-model").input_value() == original["request_model"]
    assert page.locator("#a-content-0").input_value(), "the span's messages are in the form"
    page.fill("#a-model", new_model)
    page.click("#playground-run")

    outcome = page.locator("#outcome-a")
    outcome.wait_for()
    text = outcome.inner_text()
    assert new_model in text and "in ·" in text and "ms" in text
    assert page.locator("#outcome-a pre").inner_text().strip(), "the model's answer is shown"
    assert json.loads(mock_llm.requests[-1].body)["model"] == new_model
    assert page.locator("#a-model").input_value() == new_model, "the form keeps what was run"

    page.click("#playground-save summary")
    page.fill("#save-prompt", "playground-tried")
    page.fill("#save-summary", f"tried {new_model}")
    page.click("#playground-save-button")
    page.wait_for_url(re.compile(r"/prompts/playground-tried"))
    body = page.inner_text("main")
    assert f"tried {new_model}" in body and "v1" in body


def test_compare_two_set_ups_side_by_side(page, console, mock_llm, monkeypatch):
    monkeypatch.setenv("OTEL_LLM_MOCK_URL", mock_llm.url)
    original = _openai_chat_span(console)
    page.goto(console.path(f"/playground?span={original['span_id']}"))
    page.click("#playground-compare")
    page.locator("#side-b").wait_for()
    page.fill("#b-model", "gpt-4o")
    page.fill("#b-temperature", "1.1")
    page.click("#playground-run")
    page.locator("#outcome-b").wait_for()
    assert page.locator("#outcome-a").is_visible() and "gpt-4o" in page.inner_text("#outcome-b")
    models = [json.loads(r.body)["model"] for r in mock_llm.requests[-2:]]
    assert models == [original["request_model"], "gpt-4o"]
