"""Sessions in a real browser: the demo's order-lookup conversation in the list, its turns in order,
a trace score shown on its turn, and the link from a turn to its trace."""

from __future__ import annotations

import re

import pytest

from otel_llm import scores
from otel_llm.accounts import get_project
from otel_llm.conversations import list_turns

pytestmark = pytest.mark.browser


def test_open_the_sessions_page_then_a_session_and_a_turns_trace(page, console):
    project_id = get_project(console.engine, console.project).id
    first_turn = list_turns(console.engine, project_id, "order-chat-1").items[0]
    scores.define_config(console.engine, project_id, "browser_resolved", "boolean")
    scores.add_score(console.engine, project_id, "browser_resolved", True, trace_id=first_turn.trace_id)

    page.goto(console.path("/traces"))
    page.click(".mainnav >> text=Sessions")
    row = page.locator("#sessions tbody tr", has_text="order-chat-1")
    assert "customer-7" in row.inner_text() and "browser_resolved 1/1 true" in row.inner_text()
    row.locator("a", has_text="order-chat-1").click()
    page.wait_for_url(re.compile(r"/sessions/order-chat-1$"))

    turns = page.locator("#turns .turn")
    assert turns.count() == 2
    assert "Where is my order #1042?" in turns.nth(0).inner_text()
    assert "Has order #1077 shipped yet?" in turns.nth(1).inner_text()
    assert "browser_resolved 1/1 true" in turns.nth(0).inner_text()
    assert "2 LLM calls" in turns.nth(0).inner_text()
    turns.nth(0).locator("a", has_text="trace").click()
    page.wait_for_url(re.compile(r"/traces/"))
    assert first_turn.trace_id[:12] in page.content()
