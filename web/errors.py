"""Errors: one JSON body for every API error, friendly pages for everything else.

Every error under ``/api/`` answers ``{"error": {"code": "...", "message": "..."}}`` (``tests/
test_web_errors.py`` pins it). Views raise ``ApiError(status, code, message)``, or ``abort(404)``, or
let a service exception through that ``map_exception`` has registered.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from otel_llm_server.web.access import current_caller
from otel_llm_server.web.api_error import ApiError, is_api_request
from werkzeug.exceptions import HTTPException

logger = logging.getLogger(__name__)

# Machine-readable codes for plain HTTP errors (``abort(404)``, wrong method, …).
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "internal_error",
}

TITLES = {
    400: "That request did not make sense",
    401: "Please sign in",
    403: "You don't have access to this",
    404: "Nothing here",
    405: "Not allowed",
    409: "That conflicts with what exists",
    422: "That input is not valid",
    500: "Something went wrong on our side",
}


def error_response(status: int, code: str, message: str) -> Response | tuple[str, int]:
    """The one place error bodies are made: JSON under /api/, an HTML page elsewhere."""
    if is_api_request():
        response = jsonify({"error": {"code": code, "message": message}})
        response.status_code = status
        return response
    _resolve_caller_quietly()
    title = TITLES.get(status, "Error")
    return render_template("error.html", status=status, title=title, message=message), status


def _resolve_caller_quietly() -> None:
    """Let an error page show the navigation of a signed-in user (e.g. on an unknown URL, where no
    view ran ``@require``); never fail the error page itself."""
    try:
        current_caller()
    except Exception:  # signed out, no project, or the database is the problem
        pass


def map_exception(app: Flask, exc_class: type[Exception], status: int, code: str) -> None:
    """Answer a service exception with ``status``/``code`` and its own message (which must be a
    sentence the user can act on). Subclasses registered separately win over their base."""

    def handle(exc: Exception):
        return error_response(status, code, str(exc))

    app.register_error_handler(exc_class, handle)


def init_app(app: Flask) -> None:
    from otel_llm.accounts import errors as account_errors
    from otel_llm.accounts import invitations, users

    app.register_error_handler(ApiError, lambda e: error_response(e.status, e.code, e.message))
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
    map_exception(app, account_errors.AccountError, 422, "invalid")
    map_exception(app, account_errors.ProjectNotFound, 404, "not_found")
    map_exception(app, account_errors.KeyNotFound, 404, "not_found")
    map_exception(app, users.UserNotFound, 404, "not_found")
    map_exception(app, invitations.InvitationNotFound, 404, "not_found")
    map_exception(app, account_errors.ProjectExists, 409, "conflict")
    map_exception(app, users.UserExists, 409, "conflict")


def _handle_csrf(exc: CSRFError):
    message = (
        "the form expired or did not come from this console; reload the page and try again."
        if not is_api_request()
        else "session-authenticated writes need the X-CSRFToken header (or use an API key)."
    )
    return error_response(400, "csrf_failed", message)


def _handle_http(exc: HTTPException):
    status = exc.code or 500
    code = HTTP_CODES.get(status, "http_error")
    message = exc.description or exc.name
    response = error_response(status, code, message)
    allowed = getattr(exc, "valid_methods", None)
    if allowed:
        response = _with_header(response, "Allow", ", ".join(allowed))
    return response


def _handle_unexpected(exc: Exception):
    logger.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", "an unexpected error happened; it has been logged.")


def _with_header(response, name: str, value: str):
    if isinstance(response, tuple):
        body, status = response
        return body, status, {name: value}
    response.headers[name] = value
    return response
