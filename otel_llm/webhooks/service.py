"""Register, list and remove a project's webhooks; read their delivery log.

The secret that signs a webhook's deliveries is made here (``whsec_`` + 32 random bytes, URL-safe
base64) and returned once, by :func:`create_webhook`; :func:`list_webhooks` and every later read
show only its first characters (``hint``). It is stored as is, because signing needs it (see
``docs/webhooks.md``: who can read it, and how to rotate it).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select

from otel_llm.prompts.models import _jsonable
from otel_llm.storage.schema_webhooks import webhook_deliveries, webhooks
from otel_llm.storage.timeutil import as_utc, now_utc
from otel_llm.storage.vocabulary import DELIVERY_LOG_LIMIT, EVENTS
from otel_llm.webhooks.errors import WebhookError, WebhookNotFound
from otel_llm.webhooks.urls import validate_url

SECRET_PREFIX = "whsec_"
MAX_WEBHOOKS = 20


@dataclass(frozen=True)
class Webhook:
    id: int
    url: str
    events: tuple[str, ...]
    hint: str
    created_by: str
    created_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        fields = ("id", "url", "events", "created_by", "created_at")
        return _jsonable({name: getattr(self, name) for name in fields} | {"secret_hint": self.hint})


@dataclass(frozen=True)
class Delivery:
    id: int
    webhook_id: int
    url: str
    event_id: str
    event: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime | None
    delivered_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dict(self.__dict__))


def create_webhook(
    engine: Engine, project_id: int, url: str, events: Iterable[str] | None = None, actor: str = ""
) -> tuple[Webhook, str]:
    """Register ``url`` for ``events`` (all of them when none given); returns it and its secret."""
    url = validate_url(url)
    chosen = validate_events(events)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as connection:
        count = len(
            connection.execute(select(webhooks.c.id).where(webhooks.c.project_id == project_id)).all()
        )
        if count >= MAX_WEBHOOKS:
            raise WebhookError(f"a project has at most {MAX_WEBHOOKS} webhooks; remove one first.")
        inserted = connection.execute(
            insert(webhooks).values(
                project_id=project_id,
                url=url,
                events=chosen,
                secret=secret,
                created_by=(actor or "").strip()[:320],
                created_at=now_utc(),
            )
        ).inserted_primary_key
        assert inserted is not None
        new_id = inserted[0]
    return get_webhook(engine, project_id, new_id), secret


def validate_events(events: Iterable[str] | None) -> list[str]:
    chosen: list[str] = []
    for event in events or EVENTS:
        event = str(event).strip()
        if event not in EVENTS:
            raise WebhookError(f"unknown event {event!r}; use one of {', '.join(EVENTS)}.")
        if event not in chosen:
            chosen.append(event)
    return chosen


def get_webhook(engine: Engine, project_id: int, webhook_id: int) -> Webhook:
    with engine.connect() as connection:
        row = connection.execute(
            select(webhooks).where(webhooks.c.project_id == project_id, webhooks.c.id == webhook_id)
        ).first()
    if row is None:
        raise WebhookNotFound(
            f"webhook {webhook_id} does not exist in this project; see `otel-llm webhooks list`."
        )
    return _to_webhook(row)


def list_webhooks(engine: Engine, project_id: int) -> list[Webhook]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(webhooks).where(webhooks.c.project_id == project_id).order_by(webhooks.c.id)
        ).all()
    return [_to_webhook(r) for r in rows]


def remove_webhook(engine: Engine, project_id: int, webhook_id: int) -> Webhook:
    """Delete the webhook and its delivery log (pending deliveries are dropped)."""
    found = get_webhook(engine, project_id, webhook_id)
    with engine.begin() as connection:
        connection.execute(delete(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id))
        connection.execute(
            delete(webhooks).where(webhooks.c.id == webhook_id, webhooks.c.project_id == project_id)
        )
    return found


def list_deliveries(
    engine: Engine, project_id: int, webhook_id: int | None = None, limit: int = 50
) -> list[Delivery]:
    """The newest deliveries of the project (or of one webhook), newest first."""
    if webhook_id is not None:
        get_webhook(engine, project_id, webhook_id)
    d = webhook_deliveries
    stmt = (
        select(d, webhooks.c.url)
        .join(webhooks, webhooks.c.id == d.c.webhook_id)
        .where(d.c.project_id == project_id)
        .order_by(d.c.id.desc())
        .limit(max(1, min(limit, DELIVERY_LOG_LIMIT)))
    )
    if webhook_id is not None:
        stmt = stmt.where(d.c.webhook_id == webhook_id)
    with engine.connect() as connection:
        return [_to_delivery(r) for r in connection.execute(stmt)]


def _to_webhook(row) -> Webhook:
    hint = row.secret[: len(SECRET_PREFIX) + 4] + "…"
    return Webhook(row.id, row.url, tuple(row.events or ()), hint, row.created_by, as_utc(row.created_at))


def _to_delivery(row) -> Delivery:
    return Delivery(
        row.id,
        row.webhook_id,
        row.url,
        row.event_id,
        row.event,
        row.status,
        row.attempts,
        row.last_status_code,
        row.last_error,
        as_utc(row.next_attempt_at),
        as_utc(row.created_at),
        as_utc(row.delivered_at),
    )
