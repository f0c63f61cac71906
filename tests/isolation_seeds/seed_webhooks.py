"""A webhook of the other project, with one queued delivery, and its protected labels."""

from __future__ import annotations

from otel_llm.prompts import catalog, protection, versions
from otel_llm.webhooks import service


def seed(engine, project_name: str, marker: str) -> dict[str, str]:
    project_id = catalog.project_id(engine, project_name, create=True)
    webhook, _ = service.create_webhook(
        engine, project_id, f"https://hooks.example.com/{marker}", actor="bravo"
    )
    versions.create_version(engine, project_id, "webhooked", f"Queued for the webhook. {marker}")
    protection.set_policy(engine, project_id, ["production", "release"], "admin", actor="bravo")
    return {"webhook_id": str(webhook.id)}
