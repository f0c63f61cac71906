"""A member and an API key of the other project."""

from __future__ import annotations

from otel_llm.accounts import create_key
from otel_llm.accounts import users as users_service


def seed(engine, project_name: str, marker: str) -> dict[str, str]:
    member = users_service.create_user(
        engine, f"{marker.lower()}@bravo.example", "bravo-password", project_name, "admin"
    )
    info, _ = create_key(engine, project_name, "admin", name=f"key {marker}")
    return {"user_id": str(member.user_id), "key_id": str(info.id)}
