"""Who is calling an MCP tool, and may they: the API key's project and role, checked on every call.

The same rules as the JSON API (``web/access.py``): an API key (``otel-llm keys create``) names one
project and one role; every tool runs against that project only, and a tool that changes something
needs the editor role. Over stdio the key comes from ``OTEL_LLM_API_KEY`` (the editor starts the
server with it in its environment); over HTTP from each request's ``Authorization: Bearer`` header.
The key is looked up again on every call, so revoking it stops a running session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from otel_llm.accounts import authenticate, key_actor
from otel_llm.accounts.roles import missing_role

UNKNOWN_KEY = (
    "this API key is unknown or revoked; create one with "
    "`otel-llm keys create --project P --role viewer` (or in Settings → API keys)."
)
NO_KEY = (
    "no API key: set OTEL_LLM_API_KEY in the MCP server's environment (stdio), or send "
    "'Authorization: Bearer <api key>' (HTTP)."
)


class AccessDenied(Exception):
    """The caller has no valid key, or a role too low for the tool (the message says which)."""


@dataclass(frozen=True)
class Caller:
    project_id: int
    project_name: str
    role: str
    actor: str


def authenticate_key(engine: Engine, token: str | None) -> Caller:
    """The caller behind ``token``; ``AccessDenied`` for a missing, unknown or revoked key."""
    if not token:
        raise AccessDenied(NO_KEY)
    info = authenticate(engine, token)
    if info is None:
        raise AccessDenied(UNKNOWN_KEY)
    return Caller(info.project_id, info.project_name, info.role, actor=key_actor(token, info))


def require(caller: Caller, role: str) -> Caller:
    """``caller`` if their role is at least ``role``; ``AccessDenied`` in the API's words otherwise."""
    refusal = missing_role(caller.role, role, caller.project_name)
    if refusal is not None:
        raise AccessDenied(refusal)
    return caller


def bearer_token(headers: Any) -> str | None:
    """The token of an ``Authorization: Bearer …`` header (None when absent or of another scheme)."""
    header = headers.get("authorization") if headers is not None else None
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
