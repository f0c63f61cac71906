"""A batch run with one failed replay in the other project (marker in the error and summary)."""

from __future__ import annotations

from otel_llm.accounts.projects import get_project
from otel_llm.replay import store


def seed(engine, project_name: str, marker: str) -> dict[str, str]:
    project_id = get_project(engine, project_name).id
    run_id = store.create_run(engine, project_id, {"limit": 1}, {"model": "gpt-4o"}, actor="bravo-admin")
    store.finish_run(
        engine, run_id, "error", {"count": 1, "error_count": 1, "note": marker}, error=f"run {marker}"
    )
    with engine.begin() as connection:
        replay_id = store.insert_replay(
            connection,
            project_id=project_id,
            run_id=run_id,
            original_trace_id="ab" * 16,
            original_span_id="cd" * 8,
            actor="bravo-admin",
            overrides={"model": "gpt-4o"},
            status="error",
            error=f"provider failed {marker}",
            summary={"warnings": [marker]},
        )
    return {"replay_id": str(replay_id), "run_id": str(run_id)}
