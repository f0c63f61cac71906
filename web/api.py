"""Helpers for JSON routes: the checked body and query arguments (``web/validation.py`` checks them
against the route's ``@api_doc`` schemas first: 400), and the value checks schemas cannot say (422)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import g, request
from flask.json.provider import DefaultJSONProvider
from otel_llm_server.web.errors import ApiError


def json_object() -> dict[str, Any]:
    """The request body as a JSON object (already checked against the route's schema), or
    ``ApiError(400)`` saying what to send."""
    checked = g.get("api_body")
    if checked is not None:
        return checked
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "send a JSON object body with 'Content-Type: application/json'.")
    return body


def query_arg(name: str, default: Any = None) -> Any:
    """A query argument, converted to its documented type and checked (absent or empty: ``default``)."""
    return g.get("api_query", {}).get(name, default)


def string_field(body: dict[str, Any], name: str, required: bool = True) -> str:
    """``body[name]`` as a non-empty string, or ``ApiError(422)`` naming the field."""
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ApiError(422, "invalid", f"'{name}' must be a non-empty string.")
    return value


def role_field(body: dict[str, Any], name: str = "role") -> str:
    from otel_llm.accounts import ROLES

    value = string_field(body, name)
    if value not in ROLES:
        raise ApiError(422, "invalid", f"'{name}' must be one of {', '.join(ROLES)}.")
    return value


class IsoJSONProvider(DefaultJSONProvider):
    """JSON responses write datetimes as ISO 8601 (Flask's default is an HTTP date)."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, datetime | date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)
