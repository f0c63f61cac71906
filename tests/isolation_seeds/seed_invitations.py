"""An invitation of the other project, addressed to someone else (marker in the email)."""

from __future__ import annotations

from otel_llm.accounts.invitations import invite
from otel_llm.accounts.projects import get_project


def seed(engine, project_name: str, marker: str) -> dict[str, str]:
    project_id = get_project(engine, project_name).id
    sent = invite(engine, project_id, f"{marker.lower()}@invited.example", "editor", invited_by="bravo-admin")
    return {"invitation_id": str(sent.id)}
