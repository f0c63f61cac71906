"""What every template gets: navigation, the caller, the project switcher, and display filters."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Flask, g
from otel_llm_server.web.access import can
from otel_llm_server.web.db import engine
from otel_llm_server.web.nav import nav_items

from otel_llm.accounts import users as users_service
from otel_llm.pricing.wording import missing_price
from otel_llm.traces.view import status_label


def init_app(app: Flask) -> None:
    app.context_processor(_context)
    app.add_template_filter(format_time, "time")
    app.add_template_filter(format_duration, "duration")
    app.add_template_filter(format_cost, "cost")
    app.add_template_filter(span_cost, "span_cost")
    app.add_template_filter(format_count, "count")
    app.add_template_filter(pretty_json, "pretty_json")
    app.add_template_filter(status_label, "status_label")


def _context() -> dict[str, Any]:
    return {"can": can, "nav_items": nav_items, "my_projects": _my_projects}


def _my_projects() -> list[users_service.Membership]:
    """The signed-in user's projects, for the switcher (empty for API keys and signed-out pages)."""
    user = g.get("user")
    if user is None:
        return []
    return users_service.list_memberships(engine(), user_id=user.id)


def format_time(value: datetime | None, with_seconds: bool = True) -> str:
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M") + " UTC"


def format_duration(ms: float | None) -> str:
    if ms is None:
        return "—"
    if ms < 1:
        return f"{ms:.2f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    return f"{ms / 1000:.2f} s"


def span_cost(span) -> str:
    """A span's cost, or "no price for MODEL" when it has tokens but its model is not priced."""
    return missing_price(span) or format_cost(span.get("cost_usd"))


def format_cost(usd: float | None) -> str:
    """Unknown cost stays visibly unknown ("—"), never "$0"."""
    if usd is None:
        return "—"
    if usd == 0:
        return "$0"
    if usd < 0.01:
        return f"${usd:.6f}".rstrip("0")
    return f"${usd:,.4f}"


def format_count(value: int | float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}"


def pretty_json(value: Any) -> str:
    """Indented JSON text (the template escapes it like any other text)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)
