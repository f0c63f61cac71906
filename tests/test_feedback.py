"""Feedback on spans and traces: SDK ``record_feedback`` and the service, on SQLite and Postgres."""

from __future__ import annotations

import logging

import pytest

import otel_llm
from otel_llm.feedback import FeedbackError, Target, list_feedback, parse_target
from otel_llm.prompts import catalog
from otel_llm.storage.db import get_engine
from tests.span_factory import emit, llm_attributes, span_pipeline


def test_record_feedback_on_a_stored_span_fills_its_trace(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("OTEL_LLM_DATABASE_URL", db_url)
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        trace_id, span_id = emit(tracer, **llm_attributes())
    stored = otel_llm.record_feedback(span_id, 0.8, comment="good answer")
    assert (stored.span_id, stored.trace_id, stored.score, stored.source) == (span_id, trace_id, 0.8, "sdk")
    otel_llm.record_feedback(trace_id, -1)
    engine = get_engine(db_url)
    pid = catalog.project_id(engine, "default")
    on_trace = list_feedback(engine, pid, Target(trace_id, None))
    assert [(f.score, f.comment) for f in on_trace] == [(-1.0, None), (0.8, "good answer")]
    assert [f.score for f in list_feedback(engine, pid, Target(None, span_id))] == [0.8]


def test_record_feedback_accepts_an_opentelemetry_span(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("OTEL_LLM_DATABASE_URL", db_url)
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        span = tracer.start_span("app step")
        span.end()
    stored = otel_llm.record_feedback(span, 1)
    context = span.get_span_context()
    assert stored.span_id == format(context.span_id, "016x")
    assert stored.trace_id == format(context.trace_id, "032x")


@pytest.mark.parametrize(
    ("target", "score", "message"),
    [
        ("xyz", 1, "neither a span id"),
        ("0" * 16, 1, "neither a span id"),
        ("a" * 20, 1, "neither a span id"),
        ("a" * 16, "great", "not a number"),
        ("a" * 16, float("nan"), "finite"),
        ("a" * 16, True, "must be a number"),
    ],
)
def test_bad_feedback_is_refused(target, score, message):
    with pytest.raises(FeedbackError, match=message):
        otel_llm.record_feedback(target, score)


def test_backend_down_is_logged_not_raised(caplog, monkeypatch, tmp_path):
    monkeypatch.setenv("OTEL_LLM_DATABASE_URL", f"sqlite:///{tmp_path}/missing-dir/x.db")
    with caplog.at_level(logging.WARNING, logger="otel_llm.feedback"):
        assert otel_llm.record_feedback("a" * 32, 1.0) is None
    assert "could not record feedback" in caplog.text


def test_parse_target_by_length():
    assert parse_target("A" * 16) == Target(None, "a" * 16)
    assert parse_target("b" * 32) == Target("b" * 32, None)


def test_refused_feedback_declares_no_score_config(db_url, tmp_path, monkeypatch):
    """Feedback on another project's span is refused and leaves nothing behind, not even the
    ``user_feedback`` config it would have declared (on SQLite the savepoint used to commit it)."""
    from otel_llm import scores
    from otel_llm.feedback import add_feedback

    monkeypatch.setenv("OTEL_LLM_DATABASE_URL", db_url)
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        _, span_id = emit(tracer, **llm_attributes())
    engine = get_engine(db_url)
    other = catalog.project_id(engine, "other", create=True)
    with pytest.raises(scores.TargetNotFound):
        add_feedback(engine, other, Target(None, span_id), 1)
    assert [c.name for c in scores.list_configs(engine, other)] == []
    stored = add_feedback(engine, catalog.project_id(engine, "default"), Target(None, span_id), 1)
    assert stored.span_id == span_id  # the same call in the span's own project declares and stores


def test_feedback_declared_meanwhile_by_another_writer_is_stored(db_url, tmp_path, monkeypatch):
    """The race ``ensure_config`` recovers from (the config appears between its look and its insert):
    the unique violation is absorbed inside the caller's transaction, which then commits the score."""
    from otel_llm.feedback import add_feedback
    from otel_llm.scores import configs

    monkeypatch.setenv("OTEL_LLM_DATABASE_URL", db_url)
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        _, span_id = emit(tracer, **llm_attributes())
    engine = get_engine(db_url)
    pid = catalog.project_id(engine, "default")
    add_feedback(engine, pid, Target(None, span_id), 1)  # declares user_feedback
    real_row, looks = configs._row, []

    def first_look_misses(*args):
        looks.append(args)
        return None if len(looks) == 1 else real_row(*args)

    monkeypatch.setattr(configs, "_row", first_look_misses)
    add_feedback(engine, pid, Target(None, span_id), -1)
    assert len(looks) >= 2  # the insert failed on the existing config, which was read again
    assert [f.score for f in list_feedback(engine, pid, Target(None, span_id))] == [-1.0, 1.0]
