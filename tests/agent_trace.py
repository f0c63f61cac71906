"""An agent trace, stored through the real pipeline: one agent span, three LLM calls, two tool
calls and a retrieval (the shape issue 16 asks every view to get right)."""

from __future__ import annotations

import json

from otel_llm import attributes as attrs
from tests.span_factory import T0, emit, llm_attributes

MS = 10**6
TOOL_ARGUMENTS = {"city": "Lisbon", "unit": "celsius"}


def emit_agent_trace(tracer, start_ns: int = T0, session: str | None = None) -> dict[str, str]:
    """Store the trace; returns its ids by role (``trace_id``, ``agent``, ``tool_weather``...)."""
    extra = {"gen_ai.conversation.id": session} if session else {}
    agent = tracer.start_span(
        "invoke_agent travel-planner",
        start_time=start_ns,
        attributes={
            attrs.GEN_AI_OPERATION_NAME: "invoke_agent",
            "gen_ai.agent.name": "travel-planner",
            **extra,
        },
    )
    ids: dict[str, str] = {}
    ids["retrieval"] = emit(
        tracer,
        name="retrieve travel-docs",
        start_ns=start_ns + 1 * MS,
        duration_ms=20,
        parent=agent,
        **{"openinference.span.kind": "RETRIEVER", "input.value": "Lisbon weather"},
    )[1]
    for n, start in enumerate((30, 200, 400), start=1):
        trace_id, ids[f"llm{n}"] = emit(
            tracer,
            name="chat gpt-4o-mini",
            start_ns=start_ns + start * MS,
            duration_ms=100,
            parent=agent,
            **llm_attributes(input_tokens=100 * n, output_tokens=10 * n, user=f"step {n}", **extra),
        )
    for name, start, result in (
        ("get_weather", 140, "21°C, sunny"),
        ("book_hotel", 320, "booked: Hotel Avenida"),
    ):
        ids[f"tool_{name}"] = emit(
            tracer,
            name=f"execute_tool {name}",
            start_ns=start_ns + start * MS,
            duration_ms=40,
            parent=agent,
            **{
                attrs.GEN_AI_OPERATION_NAME: "execute_tool",
                "gen_ai.tool.name": name,
                "gen_ai.tool.call.id": f"call_{name}",
                "gen_ai.tool.call.arguments": json.dumps(TOOL_ARGUMENTS),
                "gen_ai.tool.call.result": result,
            },
        )[1]
    agent.end(end_time=start_ns + 600 * MS)
    ids["trace_id"] = trace_id
    ids["agent"] = format(agent.get_span_context().span_id, "016x")
    return ids
