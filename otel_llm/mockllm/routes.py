"""The local provider's routes, from the provider registry: each adapter's ``local_routes()`` names
the paths of its API and the module of this package that answers them.

A key is a path, or a compiled pattern for APIs that name the model in the path (Gemini's
``/v1beta/models/{model}:generateContent``); ``find`` tries the paths first.

``Route.api`` is the error shape and request-id header of that API (``errors.OPENAI``,
``errors.ANTHROPIC``…); ``check_auth`` refuses a request without the credentials its SDK sends.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from otel_llm.mockllm.errors import APIError


@dataclass(frozen=True)
class Route:
    api: str
    user_text: Callable[[Any], str]
    handle: Callable[[Any, Any], Any]
    """``handle(call, server)`` → ``JSONReply`` or ``StreamReply``."""
    check_auth: Callable[[dict[str, str]], None]


def _bearer(headers: dict[str, str]) -> str:
    return headers.get("authorization", "").removeprefix("Bearer ").strip()


def bearer_auth(headers: dict[str, str]) -> None:
    if not _bearer(headers):
        raise APIError(
            401,
            "You didn't provide an API key. You need to provide your API key in an Authorization header "
            "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        )


def versioned_key_auth(headers: dict[str, str]) -> None:
    """An ``x-api-key`` (or bearer) key and an ``anthropic-version`` header, as the Messages API wants."""
    if not (headers.get("x-api-key") or _bearer(headers)):
        raise APIError(401, "x-api-key header is required")
    if not headers.get("anthropic-version"):
        raise APIError(400, "anthropic-version: header is required")


def google_key_auth(headers: dict[str, str]) -> None:
    """An ``x-goog-api-key`` (or bearer) credential, as Google's generative APIs want."""
    if not (headers.get("x-goog-api-key") or _bearer(headers)):
        raise APIError(
            403,
            "Method doesn't allow unregistered callers (callers without established identity). "
            "Please use API Key or other form of API consumer identity to call this API.",
        )


@lru_cache(maxsize=1)
def routes() -> dict[Any, Route]:
    """Every registered adapter's local routes, by path (or path pattern)."""
    from otel_llm import providers

    found: dict[Any, Route] = {}
    for adapter in providers.adapters().values():
        found.update(adapter.local_routes())
    return found


def find(path: str) -> Route | None:
    """The route of a request path (its query aside for plain paths; patterns see all of it)."""
    table = routes()
    route = table.get(path.split("?")[0])
    if route is not None:
        return route
    return next((r for key, r in table.items() if isinstance(key, re.Pattern) and key.match(path)), None)
