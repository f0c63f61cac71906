"""The local provider's routes, from the provider registry: each adapter's ``local_routes()`` names
the paths of its API and the module of this package that answers them.

``Route.api`` is the error shape and request-id header of that API (``errors.OPENAI``,
``errors.ANTHROPIC``…); ``check_auth`` refuses a request without the credentials its SDK sends.
"""

from __future__ import annotations

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


@lru_cache(maxsize=1)
def routes() -> dict[str, Route]:
    """Every registered adapter's local routes, by path."""
    from otel_llm import providers

    found: dict[str, Route] = {}
    for adapter in providers.adapters().values():
        found.update(adapter.local_routes())
    return found
