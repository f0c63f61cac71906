"""A prompt with two versions (v1 published, v2 labelled staging) and a feedback row in the other project."""

from __future__ import annotations

from otel_llm.feedback import Target, add_feedback
from otel_llm.prompts import catalog, labels, versions


def seed(engine, project_name: str, marker: str) -> dict[str, str]:
    project_id = catalog.project_id(engine, project_name)
    versions.create_version(engine, project_id, "support-bot", f"You help {{{{customer}}}}. {marker}")
    versions.create_version(engine, project_id, "support-bot", f"You kindly help {{{{customer}}}}. {marker}")
    labels.publish(engine, project_id, "support-bot", 1, actor="bravo-admin")
    labels.set_label(engine, project_id, "support-bot", 2, "staging", actor="bravo-admin")
    add_feedback(engine, project_id, Target("ab" * 16, None), 1.0, comment=f"feedback {marker}")
    return {"name": "support-bot", "version": "1", "label": "staging", "label_name": "staging"}
