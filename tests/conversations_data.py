"""Stored conversations for the sessions tests: two users, three conversations, agent-shaped turns
(a root span, LLM calls, a tool call), scores on traces and on spans, and spans outside any session."""

from __future__ import annotations

from dataclasses import dataclass, field

from opentelemetry import trace

import otel_llm
from otel_llm import scores
from otel_llm.accounts import get_project
from otel_llm.storage.db import get_engine
from tests.span_factory import T0, emit, llm_attributes, span_pipeline

SECOND = 10**9


@dataclass
class Stored:
    engine: object
    project_id: int
    traces: dict[str, list[str]] = field(default_factory=dict)  # session id -> its trace ids in order
    llm_spans: dict[str, list[str]] = field(default_factory=dict)  # trace id -> its LLM span ids


def _turn(tracer, stored: Stored, session: str, start: int, question: str, answer: str, calls=1, error=False):
    """One turn: an ``agent`` root span, ``calls`` LLM calls (the last answers) and a tool span."""
    root = tracer.start_span("agent turn", start_time=start)
    ctx = trace.set_span_in_context(root)
    llm_ids = []
    for n in range(calls):
        final = n == calls - 1
        trace_id, span_id = emit(
            tracer,
            start_ns=start + (2 * n + 1) * 10**6,
            duration_ms=1.0,
            parent=root,
            error=error and final,
            **llm_attributes(
                user=question,
                answer=answer if final else "calling a tool",
                input_tokens=100,
                output_tokens=10,
            ),
        )
        llm_ids.append(span_id)
        if not final:
            tool_start = start + (2 * n + 2) * 10**6
            tool = tracer.start_span("execute_tool lookup", context=ctx, start_time=tool_start)
            tool.end(end_time=tool_start + 10**5)
    root.end(end_time=start + (2 * calls + 1) * 10**6)
    stored.traces.setdefault(session, []).append(trace_id)
    stored.llm_spans[trace_id] = llm_ids
    return trace_id


def store_conversations(db_url: str, tmp_path, project: str = "default") -> Stored:
    """conv-1 (u-1): three turns, the first with two LLM calls, the last failing; conv-2 (u-2): one
    turn, later; conv-3 (u-1): one turn, latest; and one trace outside any session."""
    with span_pipeline(db_url, tmp_path, project=project) as (tracer, _):
        stored = Stored(None, 0)
        with otel_llm.session("conv-1", user_id="u-1"):
            _turn(tracer, stored, "conv-1", T0, "Where is my order?", "It ships today.", calls=2)
            _turn(tracer, stored, "conv-1", T0 + 60 * SECOND, "Can I change the address?", "Yes, until noon.")
            _turn(tracer, stored, "conv-1", T0 + 120 * SECOND, "Cancel it.", "Sorry, failed.", error=True)
        with otel_llm.session("conv-2", user_id="u-2"):
            _turn(tracer, stored, "conv-2", T0 + 200 * SECOND, "Refund?", "Refunds take 5 days.")
        with otel_llm.session("conv-3", user_id="u-1"):
            _turn(tracer, stored, "conv-3", T0 + 300 * SECOND, "Hello again", "Welcome back.")
        _turn(tracer, stored, "none", T0 + 400 * SECOND, "No session", "Untagged.")
    engine = stored.engine = get_engine(db_url)
    pid = stored.project_id = get_project(engine, project).id
    scores.define_config(engine, pid, "helpfulness", "numeric", min_value=1, max_value=5)
    scores.define_config(engine, pid, "exact", "boolean")
    first, second, third = stored.traces["conv-1"]
    scores.add_score(engine, pid, "helpfulness", 4, trace_id=first)  # on a trace
    scores.add_score(engine, pid, "helpfulness", 2, span_id=stored.llm_spans[second][0])  # on a span
    scores.add_score(engine, pid, "exact", False, trace_id=third)
    scores.add_score(engine, pid, "exact", True, trace_id=stored.traces["conv-2"][0])
    return stored
