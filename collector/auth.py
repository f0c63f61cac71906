"""Who is sending: API key → project, with a short cache so a request is not a database read.

A valid key is remembered for ``ttl`` seconds (so a revoked key still works for at most that
long), an unknown one for a shorter time; the cache holds a bounded number of entries, so random
tokens cannot grow it without limit.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import Engine

from otel_llm.accounts.keys import authenticate
from otel_llm.accounts.roles import role_at_least

WRITE_ROLE = "editor"


@dataclass(frozen=True)
class Principal:
    """Where a request's spans go: a project id when known, else a project name to resolve."""

    project_name: str
    project_id: int | None = None
    can_write: bool = True


class Unauthorized(Exception):
    status = 401


class Forbidden(Exception):
    status = 403


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class KeyCache:
    def __init__(self, engine: Engine, ttl: float = 30.0, negative_ttl: float = 5.0, size: int = 10_000):
        self.engine = engine
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self.size = size
        self._entries: OrderedDict[str, tuple[float, Principal | None]] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, token: str) -> tuple[bool, Principal | None]:
        """(hit, principal) without touching the database."""
        with self._lock:
            entry = self._entries.get(token)
            if entry is None or entry[0] < time.monotonic():
                return False, None
            return True, entry[1]

    def lookup(self, token: str) -> Principal | None:
        """The key's principal, or None if the key is unknown or revoked.

        Reads the database on a cache miss, so callers on an event loop run it in a thread.
        """
        hit, principal = self.cached(token)
        if not hit:
            principal = self._load(token)
        return principal

    def _load(self, token: str) -> Principal | None:
        info = authenticate(self.engine, token)
        principal: Principal | None = None
        if info is not None:
            principal = Principal(info.project_name, info.project_id, role_at_least(info.role, WRITE_ROLE))
        ttl = self.ttl if principal is not None else self.negative_ttl
        with self._lock:
            self._entries[token] = (time.monotonic() + ttl, principal)
            self._entries.move_to_end(token)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return principal


def require_writer(principal: Principal | None) -> Principal:
    """The principal if it may write spans; ``Unauthorized`` / ``Forbidden`` otherwise."""
    if principal is None:
        raise Unauthorized("missing or invalid API key; send 'Authorization: Bearer <key>'")
    if not principal.can_write:
        raise Forbidden("this API key may only read; writing spans needs an editor or admin key")
    return principal
