"""A two-span trace in the other project, stored through the real exporter."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from tests.span_factory import emit, llm_attributes, span_pipeline


def seed(engine, project_name: str, marker: str) -> dict[str, str]:
    url = engine.url.render_as_string(hide_password=False)
    with tempfile.TemporaryDirectory() as spool:
        with span_pipeline(url, Path(spool), project=project_name) as (tracer, _):
            start = time.time_ns() - 10**9
            root = tracer.start_span(f"handler {marker}", start_time=start)
            trace_id, span_id = emit(
                tracer,
                name=f"chat {marker}",
                start_ns=start + 10**6,
                parent=root,
                **llm_attributes(user=f"question {marker}", answer=f"answer {marker}"),
            )
            root.end(end_time=start + 5 * 10**8)
    return {"span_id": span_id, "trace_id": trace_id}
