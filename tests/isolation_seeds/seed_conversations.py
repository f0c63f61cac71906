"""A conversation (one turn: a root span and an LLM call) in the other project."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import otel_llm
from tests.span_factory import emit, llm_attributes, span_pipeline


def seed(engine, project_name: str, marker: str) -> dict[str, str]:
    url = engine.url.render_as_string(hide_password=False)
    with tempfile.TemporaryDirectory() as spool:
        with span_pipeline(url, Path(spool), project=project_name) as (tracer, _):
            start = time.time_ns() - 10**9
            with otel_llm.session("conv-seeded", user_id="user-seeded"):
                root = tracer.start_span(f"turn {marker}", start_time=start)
                emit(
                    tracer,
                    start_ns=start + 10**6,
                    parent=root,
                    **llm_attributes(user=f"question {marker}", answer=f"answer {marker}"),
                )
                root.end(end_time=start + 5 * 10**8)
    return {"session_id": "conv-seeded"}
