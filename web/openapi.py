"""The OpenAPI 3 document of ``/api/v1``, built from the routes themselves.

Each API view carries ``@api_doc(...)``; the document walks ``app.url_map``, so a route cannot be
left out and a documented path cannot outlive its route (``tests/test_web_openapi.py`` checks both).
The same schemas check every request (``web/validation.py``): what the document does not allow is a
400 naming the field.

    @api.get("/spans/<span_id>")
    @require("viewer")
    @api_doc(
        "One span with its content",
        params={"span_id": "Span id (16 hex digits)."},
        query={"include": ("string", "…")},     # a type name, or a schema: ({"type": "integer", ...}, "…")
        request={"type": "object", ...},        # JSON schema of the body (writes only)
        responses={200: "The span.", 404: "No such span in this project."},
    )
    def span(span_id): ...
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from otel_llm_server.web.access import ACCESS_ATTR, public
from otel_llm_server.web.validation import BIGINT_ID_SCHEMA, ID_SCHEMA, checked, query_schema, strict

API_PREFIX = "/api/v1"
DOC_ATTR = "otel_llm_api_doc"
_CONVERTER = re.compile(r"<(?:(?P<conv>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_TYPES = {"int": ID_SCHEMA, "bigint": BIGINT_ID_SCHEMA, "float": {"type": "number"}}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}


def api_doc(
    summary: str,
    *,
    params: dict[str, str] | None = None,
    query: dict[str, tuple[str | dict[str, Any], str]] | None = None,
    request: dict[str, Any] | None = None,
    responses: dict[int, str | dict[str, Any]] | None = None,
    description: str = "",
    tag: str | None = None,
) -> Callable:
    """Describe an API view for the OpenAPI document (see the module docstring)."""

    def decorator(view: Callable) -> Callable:
        doc = dict(
            summary=summary,
            description=description,
            params=params or {},
            query=query or {},
            query_schema=query_schema(query or {}),
            request=strict(request),
            responses=responses or {200: "OK"},
            tag=tag,
        )
        wrapped = checked(doc, view)
        setattr(wrapped, DOC_ATTR, doc)
        return wrapped

    return decorator


def openapi_path(rule: str) -> str:
    """``/api/v1/spans/<int:id>`` → ``/api/v1/spans/{id}``."""
    return _CONVERTER.sub(lambda m: "{" + m.group("name") + "}", rule)


def build_document(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        view = app.view_functions[rule.endpoint]
        doc = getattr(view, DOC_ATTR, None)
        if doc is None:
            continue  # reported by tests/test_web_openapi.py
        item = paths.setdefault(openapi_path(rule.rule), {})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            item[method.lower()] = _operation(rule, view, doc)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "otel-llm API",
            "version": "1",
            "description": 'Every error answers {"error": {"code", "message"}}. Authenticate with '
            "'Authorization: Bearer <api key>' (project-scoped) or the console session "
            "(writes then need the X-CSRFToken header).",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
        "security": [{"apiKey": []}, {"session": []}],
    }


def _operation(rule, view: Callable, doc: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": f"{rule.endpoint}.{'_'.join(sorted(m.lower() for m in rule.methods - {'HEAD', 'OPTIONS'}))}",
        "summary": doc["summary"],
        "tags": [doc["tag"] or rule.endpoint.split(".")[0]],
        "parameters": _path_params(rule, doc) + _query_params(doc),
        "responses": _responses(doc),
        "x-required-role": getattr(view, ACCESS_ATTR, None),
    }
    if doc["description"]:
        operation["description"] = doc["description"]
    if doc["request"] is not None:
        operation["requestBody"] = {
            "required": bool(doc["request"].get("required")),
            "content": {"application/json": {"schema": doc["request"]}},
        }
    return operation


def _path_params(rule, doc: dict[str, Any]) -> list[dict[str, Any]]:
    params = []
    for match in _CONVERTER.finditer(rule.rule):
        name = match.group("name")
        params.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": doc["params"].get(name, ""),
                "schema": dict(_TYPES.get(match.group("conv") or "", {"type": "string"})),
            }
        )
    return params


def _query_params(doc: dict[str, Any]) -> list[dict[str, Any]]:
    schemas = doc["query_schema"]["properties"]
    return [
        {"name": name, "in": "query", "required": False, "description": text, "schema": schemas[name]}
        for name, (_, text) in doc["query"].items()
    ]


def _responses(doc: dict[str, Any]) -> dict[str, Any]:
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    responses: dict[str, Any] = {
        "400": {
            "description": "The request does not follow this document (the message names the field).",
            **error,
        },
        "401": {"description": "No or an invalid API key / session.", **error},
        "403": {"description": "The caller's role is too low.", **error},
    }
    for status, spec in doc["responses"].items():
        body = {"description": spec} if isinstance(spec, str) else dict(spec)
        if int(status) >= 400:
            body = {**error, **body}
        responses[str(status)] = body
    return responses


bp = Blueprint("openapi", __name__)


@bp.get(API_PREFIX + "/openapi.json")
@public
@api_doc("This document: the OpenAPI 3 description of the API", responses={200: "The document."})
def document():
    return jsonify(build_document(current_app))
