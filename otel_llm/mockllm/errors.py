"""Error answers in each API's own JSON shape, so the SDKs raise their own exception types.

OpenAI: ``{"error": {"message", "type", "param", "code"}}``.
Anthropic: ``{"type": "error", "error": {"type", "message"}, "request_id"}``.
Gemini (Google APIs): ``{"error": {"code", "message", "status"}}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OPENAI = "openai"
ANTHROPIC = "anthropic"
GEMINI = "gemini"

# status -> (OpenAI type, OpenAI code, Anthropic type, default message)
_KINDS = {
    400: ("invalid_request_error", None, "invalid_request_error", "Invalid request (injected by the mock)."),
    401: ("invalid_request_error", "invalid_api_key", "authentication_error", "Invalid or missing API key."),
    403: ("invalid_request_error", None, "permission_error", "Permission denied."),
    404: ("invalid_request_error", None, "not_found_error", "Not found."),
    408: ("timeout", None, "timeout_error", "The request timed out."),
    413: ("invalid_request_error", None, "request_too_large", "Request too large."),
    429: (
        "requests",
        "rate_limit_exceeded",
        "rate_limit_error",
        "Rate limit reached (injected by the mock).",
    ),
    500: ("server_error", None, "api_error", "The server had an error (injected by the mock)."),
    503: ("server_error", None, "overloaded_error", "The server is overloaded (injected by the mock)."),
    504: ("timeout", None, "timeout_error", "The request timed out (injected by the mock)."),
    529: ("server_error", None, "overloaded_error", "Overloaded (injected by the mock)."),
}

_GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
"""HTTP status -> google.rpc status name."""

RETRY_AFTER_SECONDS = "1"
MIDSTREAM_MESSAGE = "Stream interrupted (injected by the mock)."


@dataclass
class APIError(Exception):
    """An error answer: raised by request handling, written by the server in the caller's API shape."""

    status: int
    message: str = ""
    param: str | None = None
    code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)
        if not self.message:
            self.message = _KINDS.get(self.status, _KINDS[500])[3]
        if self.status == 429:
            self.headers.setdefault("retry-after", RETRY_AFTER_SECONDS)


def invalid(message: str, param: str | None = None, code: str | None = None) -> APIError:
    return APIError(400, message, param=param, code=code)


def body(error: APIError, api: str, request_id: str) -> dict:
    """The JSON body of ``error`` as ``api`` (``openai``, ``anthropic`` or ``gemini``) would send it."""
    openai_type, openai_code, anthropic_type, _ = _KINDS.get(error.status, _KINDS[500])
    if api == GEMINI:
        status = _GOOGLE_STATUS.get(error.status, "UNKNOWN")
        return {"error": {"code": error.status, "message": error.message, "status": status}}
    if api == ANTHROPIC:
        return {
            "type": "error",
            "error": {"type": anthropic_type, "message": error.message},
            "request_id": request_id,
        }
    return {
        "error": {
            "message": error.message,
            "type": openai_type,
            "param": error.param,
            "code": error.code or openai_code,
        }
    }
