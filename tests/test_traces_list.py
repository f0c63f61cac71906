"""Traces as rows and as trees (SQLite and Postgres): one row per trace with its totals, keyset
pages, span filters meaning "a span of the trace matches", subtree totals, tool calls decoded."""

from datetime import timedelta

import pytest

from otel_llm import tags
from otel_llm.accounts import get_project
from otel_llm.storage.db import get_engine
from otel_llm.traces import InvalidCursor, SpanFilter, get_span, list_traces, span_view, trace_tree
from tests.agent_trace import TOOL_ARGUMENTS, emit_agent_trace
from tests.span_factory import T0, emit, llm_attributes, span_pipeline

SECOND = 10**9


@pytest.fixture
def stored(db_url, tmp_path):
    """An agent trace (newest), a lone LLM call tagged with a prompt, and a failed call in between."""
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        with tags(prompt_name="refunds", prompt_version="2"):
            lone = emit(tracer, name="chat lone", start_ns=T0, **llm_attributes(model="gpt-4.1"))
        failed = emit(tracer, name="chat failed", start_ns=T0 + SECOND, error=True, **llm_attributes())
        agent = emit_agent_trace(tracer, start_ns=T0 + 2 * SECOND, session="conv-42")
    engine = get_engine(db_url)
    return engine, get_project(engine, "default").id, {"lone": lone[0], "failed": failed[0], **agent}


def test_one_row_per_trace_with_totals_newest_first(stored):
    engine, pid, ids = stored
    page = list_traces(engine, pid)
    assert [i["trace_id"] for i in page.items] == [ids["trace_id"], ids["failed"], ids["lone"]]
    agent = page.items[0]
    assert agent["name"] == "invoke_agent travel-planner" and agent["root_span_id"] == ids["agent"]
    assert agent["span_count"] == 7 and agent["llm_calls"] == 3  # agent, tools and retrieval not counted
    assert (agent["input_tokens"], agent["output_tokens"], agent["total_tokens"]) == (600, 60, 660)
    assert agent["cost_usd"] == pytest.approx(600 * 0.15e-6 + 60 * 0.6e-6)
    assert agent["duration_ms"] == pytest.approx(600) and agent["session_id"] == "conv-42"
    assert agent["error"] is False and agent["service_name"] == "test-app"
    assert page.items[1]["error"] is True
    assert page.items[2]["tags"] == [{"prompt_name": "refunds", "prompt_version": "2"}]


def test_keyset_pages_and_filters(stored):
    engine, pid, ids = stored
    first = list_traces(engine, pid, limit=2)
    second = list_traces(engine, pid, limit=2, cursor=first.next_cursor)
    assert [i["trace_id"] for i in first.items + second.items] == [
        ids["trace_id"],
        ids["failed"],
        ids["lone"],
    ]
    assert second.next_cursor is None
    oldest = list_traces(engine, pid, descending=False, limit=1)
    assert oldest.items[0]["trace_id"] == ids["lone"]
    by_model = list_traces(engine, pid, SpanFilter(model="gpt-4.1"))
    assert [i["trace_id"] for i in by_model.items] == [ids["lone"]]
    errors = list_traces(engine, pid, SpanFilter(status="error"))
    assert [i["trace_id"] for i in errors.items] == [ids["failed"]]
    named = list_traces(engine, pid, SpanFilter(text="get_weather"))  # a tool span's name
    assert [i["trace_id"] for i in named.items] == [ids["trace_id"]]
    start = list_traces(engine, pid).items[1]["start_time"]
    window = list_traces(engine, pid, SpanFilter(since=start, until=start + timedelta(seconds=1)))
    assert [i["trace_id"] for i in window.items] == [ids["failed"]]
    with pytest.raises(InvalidCursor):
        list_traces(engine, pid, cursor="garbage")


def test_trace_tree_has_subtree_totals_and_tool_calls(stored):
    engine, pid, ids = stored
    tree = trace_tree(engine, pid, ids["trace_id"])
    (root,) = tree["roots"]
    assert root["span"]["span_id"] == ids["agent"] and len(root["children"]) == 6
    assert root["totals"]["llm_calls"] == 3 and root["totals"]["input_tokens"] == 600
    assert tree["summary"]["llm_calls"] == 3 and tree["summary"]["total_tokens"] == 660
    names = [c["span"]["name"] for c in root["children"]]
    assert names[0] == "retrieve travel-docs" and names[2] == "execute_tool get_weather"  # start order
    assert "attributes" not in root["span"]  # the tree carries list columns only
    tool = span_view(get_span(engine, pid, ids["tool_get_weather"]))["tool"]
    assert tool == {
        "name": "get_weather",
        "call_id": "call_get_weather",
        "description": None,
        "arguments": TOOL_ARGUMENTS,
        "result": "21°C, sunny",
    }
    assert span_view(get_span(engine, pid, ids["llm1"]))["tool"] is None
    assert trace_tree(engine, pid, "0" * 32) is None
