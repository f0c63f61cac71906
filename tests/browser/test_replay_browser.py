"""Replay in a real browser: open a span, change the model and temperature, replay against the
local provider, see the diff; then find the replay in the Replays area."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from otel_llm import attributes as attrs
from otel_llm.storage.schema import spans


def _openai_chat_span(console) -> dict:
    """A successful OpenAI chat span the demo recorded through the real SDK (with its request record)."""
    stmt = (
        select(spans.c.span_id, spans.c.request_model, spans.c.attributes)
        .where(spans.c.is_llm.is_(True), spans.c.provider == "openai", spans.c.status_code != "ERROR")
        .where(spans.c.replay_of.is_(None))
        .order_by(spans.c.start_time)
    )
    with console.engine.connect() as connection:
        for row in connection.execute(stmt):
            record = json.loads(row.attributes.get(attrs.REQUEST) or "{}")
            if record.get("api") == "openai.chat.completions" and record.get("content"):
                return dict(row._mapping)
    raise AssertionError("the demo stored no OpenAI chat span")


def test_replay_a_span_with_another_model_and_temperature_and_see_the_diff(
    page, console, mock_llm, monkeypatch
):
    monkeypatch.setenv("OTEL_LLM_MOCK_URL", mock_llm.url)  # the console's replays go to the local provider
    original = _openai_chat_span(console)
    new_model = "gpt-4.1" if original["request_model"] != "gpt-4.1" else "gpt-4o"

    page.goto(console.path(f"/traces/span/{original['span_id']}"))
    page.click("nav.tabs >> text=Replay")
    form = page.locator("#replay-form")
    assert form.is_visible()
    assert form.locator("input[name=model]").input_value() == original["request_model"]  # prefilled
    form.locator("input[name=model]").fill(new_model)
    form.locator("input[name=temperature]").fill("1.3")
    form.locator("button[type=submit]").click()

    page.wait_for_url(re.compile(r"/replays/\d+$"))
    assert page.locator("#replay-diff").is_visible()
    assert page.locator("#replay-diff ins.diff-ins").count() >= 1  # words only the replay has, highlighted
    assert page.locator("#replay-diff del.diff-del").count() >= 1  # words only the original had
    figures = page.inner_text("#replay-figures")
    assert original["request_model"] in figures and new_model in figures
    assert "latency" in figures.lower() and "%" in figures
    assert "model=" + new_model in page.inner_text(".panel") and "temperature=1.3" in page.inner_text(
        ".panel"
    )
    sent = json.loads(mock_llm.requests[-1].body)
    assert sent["model"] == new_model and sent["temperature"] == 1.3

    page.click("#replay-span-link")
    page.wait_for_url(re.compile(r"/traces/span/[0-9a-f]{16}"))
    assert "replay of: " + original["span_id"] in page.inner_text(".panel").lower()

    page.goto(console.path("/replays"))
    assert original["span_id"] in page.inner_text("#replays-table")
