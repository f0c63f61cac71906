"""Webhooks in the settings: ``/settings/webhooks`` (page) and ``/api/v1/webhooks`` (JSON).

Admins register, list and remove webhooks and read the delivery log; the secret is in the creation
answer only (the page sends it with ``Cache-Control: no-store``). Both call ``otel_llm.webhooks.service``.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from otel_llm_server.web.access import require
from otel_llm_server.web.api import json_object, query_arg, string_field
from otel_llm_server.web.db import engine
from otel_llm_server.web.openapi import api_doc
from otel_llm_server.web.settings.api import api
from otel_llm_server.web.settings.views import bp

from otel_llm.storage.vocabulary import EVENTS
from otel_llm.webhooks import service
from otel_llm.webhooks.errors import WebhookError

WEBHOOK_SCHEMA = {
    "type": "object",
    "required": ["url"],
    "properties": {
        "url": {"type": "string", "description": "Receiver URL (http or https)."},
        "events": {
            "type": "array",
            "items": {"type": "string", "enum": list(EVENTS)},
            "description": "Events to send (default: all).",
        },
    },
}
WEBHOOK = "{id, url, events, secret_hint, created_by, created_at}"
DELIVERY = (
    "{id, webhook_id, url, event_id, event, status, attempts, last_status_code, last_error, "
    "next_attempt_at, created_at, delivered_at}"
)


@api.get("/webhooks")
@require("admin")
@api_doc(
    "Webhooks of the project (never their secrets)",
    responses={200: f"{{items: [{WEBHOOK}]}}"},
    tag="settings",
)
def list_webhooks():
    return {"items": [w.to_dict() for w in service.list_webhooks(engine(), g.project_id)]}


@api.post("/webhooks")
@require("admin")
@api_doc(
    "Register a webhook; the response is the only time its signing secret is shown",
    request=WEBHOOK_SCHEMA,
    responses={201: f"{{webhook: {WEBHOOK}, secret: 'whsec_…'}}", 422: "URL or event refused."},
    tag="settings",
)
def add_webhook():
    body = json_object()
    webhook, secret = service.create_webhook(
        engine(), g.project_id, string_field(body, "url"), body.get("events"), actor=g.actor
    )
    return {"webhook": webhook.to_dict(), "secret": secret}, 201, {"Cache-Control": "no-store"}


@api.delete("/webhooks/<int:webhook_id>")
@require("admin")
@api_doc(
    "Remove a webhook (and its delivery log)",
    params={"webhook_id": "Webhook id (from GET /api/v1/webhooks)."},
    responses={200: f"{{webhook: {WEBHOOK}}}", 404: "No such webhook in this project."},
    tag="settings",
)
def remove_webhook(webhook_id: int):
    return {"webhook": service.remove_webhook(engine(), g.project_id, webhook_id).to_dict()}


@api.get("/webhooks/<int:webhook_id>/deliveries")
@require("admin")
@api_doc(
    "A webhook's deliveries, newest first: status, attempts, last error, next attempt",
    params={"webhook_id": "Webhook id (from GET /api/v1/webhooks)."},
    query={
        "limit": ({"type": "integer", "minimum": 1, "maximum": service.DELIVERY_LOG_LIMIT}, "How many (50).")
    },
    responses={200: f"{{items: [{DELIVERY}]}}", 404: "No such webhook in this project."},
    tag="settings",
)
def webhook_deliveries(webhook_id: int):
    rows = service.list_deliveries(engine(), g.project_id, webhook_id, limit=query_arg("limit", 50))
    return {"items": [d.to_dict() for d in rows]}


@bp.get("/webhooks")
@require("admin")
def webhooks_page():
    return _page()


@bp.post("/webhooks")
@require("admin")
def add_webhook_page():
    try:
        webhook, secret = service.create_webhook(
            engine(), g.project_id, request.form.get("url", ""), request.form.getlist("events"), actor=g.actor
        )
    except WebhookError as exc:
        flash(str(exc), "error")
        return redirect(url_for("settings.webhooks_page"))
    # Shown once, in this response only; never put in the session or a flash message.
    return _page(secret=secret, created=webhook), 200, {"Cache-Control": "no-store"}


@bp.post("/webhooks/<int:webhook_id>/remove")
@require("admin")
def remove_webhook_page(webhook_id: int):
    try:
        removed = service.remove_webhook(engine(), g.project_id, webhook_id)
    except WebhookError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Webhook {removed.id} ({removed.url}) is removed.", "success")
    return redirect(url_for("settings.webhooks_page"))


def _page(secret: str | None = None, created: service.Webhook | None = None) -> str:
    return render_template(
        "settings/webhooks.html",
        webhooks=service.list_webhooks(engine(), g.project_id),
        deliveries=service.list_deliveries(engine(), g.project_id, limit=50),
        events=EVENTS,
        secret=secret,
        created=created,
    )
