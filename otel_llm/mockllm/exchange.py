"""What an endpoint handler receives and returns; per-request controls (latency, injected errors).

Controls come from headers (``x-mock-latency-ms``, ``x-mock-error``) or, for callers that cannot set
headers, from tokens in the last user message text: ``[[mock:latency=200]]``, ``[[mock:error=500]]``.
A header wins over a token. Error values: an HTTP status (``400``, ``429``, ``500``, ``503``, ...)
answered in the API's error shape (429 with ``retry-after: 1``); ``timeout``: nothing is sent
until the client gives up (after ``hang_seconds``, 30 s by default, a 504); ``midstream``: a stream
sends a few chunks, then the API's error event (a non-streamed request is answered normally).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from otel_llm.mockllm.errors import APIError

LATENCY_HEADER = "x-mock-latency-ms"
ERROR_HEADER = "x-mock-error"
_TOKEN = re.compile(r"\[\[mock:(latency|error)=([A-Za-z0-9_.-]+)\]\]")


@dataclass
class Call:
    """One API request as a handler sees it."""

    body: dict
    headers: dict[str, str]
    request_id: str
    created: int
    error: str | None = None  # the injected error control, if any
    latency_ms: float = 0
    path: str = ""  # the request's path and query (Gemini names the model there)


@dataclass
class JSONReply:
    body: dict
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class StreamReply:
    """Server-sent events: (event name or None, data object or raw string)."""

    events: list[tuple[str | None, Any]]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Controls:
    latency_ms: float | None = None
    error: str | None = None


def controls(headers: dict[str, str], user_text: str) -> Controls:
    """Latency and error controls of a request: headers first, then tokens in the user text."""
    tokens = {name: value for name, value in _TOKEN.findall(user_text or "")}
    latency = headers.get(LATENCY_HEADER, tokens.get("latency"))
    error = headers.get(ERROR_HEADER, tokens.get("error"))
    return Controls(_number(latency), error.strip().lower() if error else None)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        raise APIError(400, f"{LATENCY_HEADER} must be a number of milliseconds, got {value!r}.") from None


def injected_status(error: str) -> int | None:
    """The HTTP status of an injected error, or None for ``timeout`` / ``midstream``."""
    if error in ("timeout", "midstream"):
        return None
    if error.isdigit() and 400 <= int(error) <= 599:
        return int(error)
    raise APIError(
        400, f"{ERROR_HEADER} must be an HTTP status 400-599, 'timeout' or 'midstream', got {error!r}."
    )
