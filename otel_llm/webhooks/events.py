"""Webhook events and the outbox.

:func:`record` writes one ``webhook_deliveries`` row per webhook of the project that wants the event,
through the caller's connection, so the event commits (or rolls back) with the change that caused
it and the request never waits for a receiver. The background sender (``sender``) posts them.

The body, built once and signed at every attempt, is::

    {"id": "<event uuid>", "type": "prompt.label_moved", "created_at": "2026-12-04T01:00:00+00:00",
     "project": {"id": 1, "name": "default"}, "data": {...}}
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Connection, insert, select

from otel_llm.prompts.dependents import referencing_prompts
from otel_llm.storage.schema_core import projects
from otel_llm.storage.schema_webhooks import webhook_deliveries, webhooks
from otel_llm.storage.timeutil import now_utc
from otel_llm.storage.vocabulary import LABEL_MOVED, VERSION_ARCHIVED, VERSION_CREATED

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def record(connection: Connection, project_id: int, event: str, data: dict[str, Any]) -> int:
    """Queue ``event`` for every webhook of ``project_id`` that wants it; returns how many."""
    targets = [
        row.id
        for row in connection.execute(
            select(webhooks.c.id, webhooks.c.events).where(webhooks.c.project_id == project_id)
        )
        if event in (row.events or ())
    ]
    if not targets:
        return 0
    now = now_utc()
    body = _body(connection, project_id, event, data, now)
    rows = [
        {
            "webhook_id": webhook_id,
            "project_id": project_id,
            "event_id": str(uuid.uuid4()),
            "event": event,
            "body": body,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for webhook_id in targets
    ]
    connection.execute(insert(webhook_deliveries), rows)
    return len(rows)


def _body(connection: Connection, project_id: int, event: str, data: dict[str, Any], now) -> str:
    name = connection.execute(select(projects.c.name).where(projects.c.id == project_id)).scalar()
    document = {
        "id": str(uuid.uuid4()),
        "type": event,
        "created_at": now.isoformat(),
        "project": {"id": project_id, "name": name},
        "data": data,
    }
    return json.dumps(document, sort_keys=True, default=str)


def version_created(connection: Connection, project_id: int, version) -> None:
    """A new prompt version (``version`` is the registry's ``Version``)."""
    record(connection, project_id, VERSION_CREATED, _version_data(version))


def version_archived(connection: Connection, project_id: int, version) -> None:
    """A version archived (or restored: ``archived`` false)."""
    record(connection, project_id, VERSION_ARCHIVED, _version_data(version))


def label_moved(connection: Connection, project_id: int, prompt: str, move) -> None:
    """A label move (``move`` is the registry's ``LabelMove``), for ``prompt`` and for every prompt
    that includes it (``via`` names the included prompt)."""
    data = {"prompt": prompt, **{k: v for k, v in move.to_dict().items() if k != "changed"}}
    record(connection, project_id, LABEL_MOVED, data)
    for referencing in referencing_prompts(project_id, prompt, connection=connection):
        record(connection, project_id, LABEL_MOVED, {**data, "prompt": referencing, "via": prompt})


def _version_data(version) -> dict[str, Any]:
    keys = ("name", "version", "version_hash", "change_summary", "author", "created_at", "archived")
    full = version.to_dict()
    return {"prompt": full["name"], **{k: full[k] for k in keys if k != "name"}}
