"""A project price in the other project (marker in its model name)."""

from __future__ import annotations

from otel_llm.accounts.projects import get_project
from otel_llm.pricing.custom import set_price


def seed(engine, project_name: str, marker: str) -> dict[str, str]:
    project_id = get_project(engine, project_name).id
    stored = set_price(engine, project_id, f"model-{marker}", actor="bravo-admin", input=1, output=2)
    return {"price_id": str(stored.id)}
