"""Items from stored spans, on SQLite and Postgres: what a span becomes, and stored content that
cannot make an item (it is untrusted) skipped with the reason, never stored."""

import json

from otel_llm import attributes as attrs
from otel_llm import datasets
from otel_llm.datasets.from_spans import add_matching, add_span_keys
from otel_llm.storage.db import get_engine
from otel_llm.storage.writer import ensure_project
from otel_llm.traces import SpanFilter
from tests.span_factory import T0, emit, llm_attributes, span_pipeline


def _messages(*messages):
    return {attrs.GEN_AI_INPUT_MESSAGES: json.dumps(list(messages))}


def test_bad_stored_content_is_skipped_with_the_reason(db_url, tmp_path):
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        good = emit(tracer, start_ns=T0, **llm_attributes(system=None, user="Fine question"))
        emit(
            tracer,
            start_ns=T0 + 1,
            **llm_attributes(**_messages({"role": "robot", "parts": [{"type": "text", "content": "x"}]})),
        )
        emit(
            tracer,
            start_ns=T0 + 2,
            **llm_attributes(**_messages({"role": "user", "parts": [{"type": "image", "url": "x"}]})),
        )
        emit(tracer, start_ns=T0 + 3, **llm_attributes(**{attrs.GEN_AI_INPUT_MESSAGES: "not json at all"}))
        emit(tracer, start_ns=T0 + 4, **llm_attributes(**{attrs.CONTENT_TRUNCATED: True}))
    engine = get_engine(db_url)
    with engine.begin() as conn:
        pid = ensure_project(conn, "default")
    datasets.create(engine, pid, "qa")

    result = add_matching(engine, pid, "qa", SpanFilter(), limit=10)

    assert result.added == 1
    reasons = sorted(s["reason"] for s in result.skipped)
    assert len(reasons) == 4
    assert any("role" in r for r in reasons) and any("only image parts" in r for r in reasons)
    assert any("no captured input messages" in r for r in reasons) and any("truncated" in r for r in reasons)
    [item] = datasets.resolve(engine, pid, "qa")
    assert (item.source_trace_id, item.source_span_id, item.messages) == (
        *good,
        [{"role": "user", "content": "Fine question"}],
    )


def test_spans_of_another_project_are_not_found(db_url, tmp_path):
    with span_pipeline(db_url, tmp_path, project="other") as (tracer, _):
        theirs = emit(tracer, **llm_attributes(user="their secret"))
    engine = get_engine(db_url)
    with engine.begin() as conn:
        mine = ensure_project(conn, "mine")
    datasets.create(engine, mine, "qa")
    result = add_span_keys(engine, mine, "qa", [theirs])
    assert result.version is None and result.skipped == [
        {"span_id": theirs[1], "reason": "no such span in this project"}
    ]
    assert datasets.resolve(engine, mine, "qa") == []
