"""Traces service on real stored spans (SQLite and Postgres): filters, keyset pages, lookups, tree, view."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator

from otel_llm import attributes as attrs
from otel_llm import tags
from otel_llm.accounts import get_project
from otel_llm.exporter import SQLSpanExporter
from otel_llm.processor import LLMSpanProcessor
from otel_llm.storage.db import get_engine
from otel_llm.traces import (
    InvalidCursor,
    SpanFilter,
    build_tree,
    get_span,
    list_spans,
    span_view,
    trace_spans,
)
from tests.span_factory import T0, emit, llm_attributes, span_pipeline

MODELS = ["gpt-4o-mini", "claude-haiku-4-5", "gpt-4.1"]


@pytest.fixture
def stored(db_url, tmp_path):
    """30 LLM spans (3 models, every 7th an error, varying durations/costs) + 1 non-LLM span."""
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        for i in range(30):
            model = MODELS[i % 3]
            provider = "anthropic" if model.startswith("claude") else "openai"
            with tags(
                prompt_name="support", prompt_version=str(1 + i % 2), experiment="exp", variant="ab"[i % 2]
            ):
                emit(
                    tracer,
                    name=f"chat {model}",
                    start_ns=T0 + i * 10**9 // (1 + i % 4),  # some equal-ish, not monotonic
                    duration_ms=float((i * 37) % 11),  # many ties: pagination must still be exact
                    error=i % 7 == 0,
                    **llm_attributes(model=model, provider=provider, input_tokens=10 * i, output_tokens=i),
                )
        emit(tracer, name="GET /refund", start_ns=T0)
    engine = get_engine(db_url)
    return engine, get_project(engine, "default").id


def _all_pages(engine, pid, flt=None, limit=4, **kw):
    seen, cursor = [], None
    while True:
        page = list_spans(engine, pid, flt, cursor=cursor, limit=limit, **kw)
        seen.extend(page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", ["time", "duration", "cost"])
@pytest.mark.parametrize("descending", [True, False])
def test_keyset_pages_cover_everything_once_in_order(stored, sort, descending):
    engine, pid = stored
    items = _all_pages(engine, pid, sort=sort, descending=descending)
    assert len(items) == 30 and len({i["span_id"] for i in items}) == 30
    column = {"time": "start_time", "duration": "duration_ms", "cost": "cost_usd"}[sort]
    values = [i[column] for i in items]
    assert values == sorted(values, reverse=descending)


def test_filters(stored):
    engine, pid = stored
    assert {i["request_model"] for i in _all_pages(engine, pid, SpanFilter(model="gpt-4.1"))} == {"gpt-4.1"}
    assert len(_all_pages(engine, pid, SpanFilter(provider="anthropic"))) == 10
    errors = _all_pages(engine, pid, SpanFilter(status="error"))
    assert len(errors) == 5 and {e["status_code"] for e in errors} == {"ERROR"}
    assert len(_all_pages(engine, pid, SpanFilter(prompt_name="support", prompt_version="2"))) == 15
    assert len(_all_pages(engine, pid, SpanFilter(experiment="exp", variant="b"))) == 15
    assert len(_all_pages(engine, pid, SpanFilter(text="CLAUDE"))) == 10
    assert len(_all_pages(engine, pid, SpanFilter(text="%"))) == 0  # LIKE wildcards are literal
    everything = _all_pages(engine, pid, SpanFilter(llm_only=False), limit=100)
    assert len(everything) == 31 and "GET /refund" in {i["name"] for i in everything}
    assert _all_pages(engine, pid + 1000) == []  # another project sees nothing


def test_time_window(stored):
    engine, pid = stored
    start = datetime.fromtimestamp(T0 / 1e9, UTC)
    inside = _all_pages(engine, pid, SpanFilter(since=start + timedelta(seconds=5)))
    assert inside and all(i["start_time"] >= start + timedelta(seconds=5) for i in inside)
    assert all(i["start_time"].tzinfo is not None for i in inside)
    before = _all_pages(engine, pid, SpanFilter(until=start + timedelta(seconds=5)))
    assert len(inside) + len(before) == 30


def test_bad_cursor_and_bad_status_are_clear_errors(stored):
    engine, pid = stored
    with pytest.raises(InvalidCursor, match="first page"):
        list_spans(engine, pid, cursor="not-a-cursor")
    cursor = list_spans(engine, pid, limit=2).next_cursor
    with pytest.raises(InvalidCursor):
        list_spans(engine, pid, sort="cost", cursor=cursor)  # a time cursor on a cost listing
    with pytest.raises(ValueError, match="ok, error"):
        SpanFilter(status="failed")


class _FixedSpanIds(IdGenerator):
    def __init__(self):
        self.trace = 0

    def generate_span_id(self):
        return 0xABCDEF

    def generate_trace_id(self):
        self.trace += 1
        return self.trace


def test_get_span_prefers_newest_when_span_ids_collide(db_url, tmp_path):
    provider = TracerProvider(id_generator=_FixedSpanIds())
    provider.add_span_processor(LLMSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(SQLSpanExporter(db_url, spool_dir=str(tmp_path))))
    tracer = provider.get_tracer("t")
    emit(tracer, name="old", start_ns=T0, **llm_attributes())
    emit(tracer, name="new", start_ns=T0 + 10**9, **llm_attributes())
    provider.shutdown()
    engine = get_engine(db_url)
    pid = get_project(engine, "default").id
    assert get_span(engine, pid, "0000000000ABCDEF")["name"] == "new"
    assert get_span(engine, pid, "00000000deadbeef") is None


def test_trace_tree_and_span_view(db_url, tmp_path):
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        root = tracer.start_span("handle request", start_time=T0)
        with tags(prompt_name="refunds", prompt_version="3", experiment="model-ab", variant="b"):
            first = emit(
                tracer,
                parent=root,
                start_ns=T0 + 10**6,
                duration_ms=250,
                **llm_attributes(
                    system="Be kind.",
                    user="Where is my refund?",
                    answer="On its way.",
                    **{
                        attrs.GEN_AI_REQUEST_TEMPERATURE: 0.3,
                        attrs.REQUEST: json.dumps(
                            {
                                "api": "chat.completions.create",
                                "params": {
                                    "model": "gpt-4o-mini",
                                    "messages": [{"role": "user", "content": "Where is my refund?"}],
                                    "temperature": 0.3,
                                    "top_p": 0.9,
                                    "tools": [{"type": "function", "function": {"name": "lookup"}}],
                                },
                                "content": True,
                                "stream": False,
                            }
                        ),
                    },
                ),
            )
        emit(tracer, name="tool lookup", parent=root, start_ns=T0 + 2 * 10**6)
        root.end(end_time=T0 + 10**9)
    engine = get_engine(db_url)
    pid = get_project(engine, "default").id
    rows = trace_spans(engine, pid, first[0])
    assert [r["name"] for r in rows] == ["handle request", "chat gpt-4o-mini", "tool lookup"]
    tree = build_tree(rows)
    assert len(tree) == 1 and [c["span"]["name"] for c in tree[0]["children"]] == [
        "chat gpt-4o-mini",
        "tool lookup",
    ]
    assert tree[0]["children"][0]["depth"] == 1

    view = span_view(get_span(engine, pid, first[1]))
    assert view["system"] == "Be kind."
    assert view["input_messages"][0]["parts"][0]["content"] == "Where is my refund?"
    assert view["output_messages"][0]["parts"][0]["content"] == "On its way."
    assert view["parameters"] == {"temperature": 0.3, "top_p": 0.9}
    assert view["tokens"] == {"input": 100, "output": 20, "cache_read": None, "cache_write": None}
    assert view["cost_usd"] == pytest.approx((100 * 0.15 + 20 * 0.6) / 1e6)
    assert view["duration_ms"] == pytest.approx(250)
    assert view["tags"]["prompt_version"] == "3" and view["tags"]["variant"] == "b"
    assert view["request"]["params"]["model"] == "gpt-4o-mini" and view["api"] == "chat.completions.create"
    assert view["tools"][0]["function"]["name"] == "lookup"


def test_orphans_become_roots():
    rows = [
        {"span_id": "b", "parent_span_id": "missing", "start_time": 2},
        {"span_id": "a", "parent_span_id": None, "start_time": 1},
        {"span_id": "c", "parent_span_id": "a", "start_time": 3},
    ]
    tree = build_tree(rows)
    assert [n["span"]["span_id"] for n in tree] == ["a", "b"]
    assert tree[0]["children"][0]["span"]["span_id"] == "c"


def test_unknown_cost_sorts_last_both_ways(db_url, tmp_path):
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        for i, model in enumerate(["house-model", "gpt-4o-mini", "gpt-4.1", "other-house-model"]):
            emit(tracer, name=model, start_ns=T0 + i, **llm_attributes(model=model))
    engine = get_engine(db_url)
    pid = get_project(engine, "default").id
    down = [i["name"] for i in _all_pages(engine, pid, sort="cost", limit=1)]
    up = [i["name"] for i in _all_pages(engine, pid, sort="cost", descending=False, limit=1)]
    assert down[:2] == ["gpt-4.1", "gpt-4o-mini"] and up[:2] == ["gpt-4o-mini", "gpt-4.1"]
    assert set(down[2:]) == set(up[2:]) == {"house-model", "other-house-model"}
