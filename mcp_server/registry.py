"""How a tool is declared: ``@tool("viewer")`` on a function ``fn(env, *, arg: Annotated[...] = …)``.

``env`` is the call's ``ToolEnv`` (the engine, the authenticated caller of the key's project); the
keyword arguments, with their ``Field(description=…)``, become the tool's input schema; the docstring
is its description. ``server.py`` turns each into an MCP tool that checks the key and role first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcp_types import ToolAnnotations
from otel_llm_server.mcp_server.access import Caller
from sqlalchemy import Engine

from otel_llm.accounts.roles import check_role

TOOLS: list[ToolSpec] = []


@dataclass(frozen=True)
class ToolEnv:
    """What a tool runs with: the store and who calls (their project only)."""

    engine: Engine
    caller: Caller


@dataclass(frozen=True)
class ToolSpec:
    fn: Callable[..., Any]
    role: str
    calls_provider: bool = False

    @property
    def name(self) -> str:
        return self.fn.__name__

    @property
    def annotations(self) -> ToolAnnotations:
        """Hints for the agent's client: viewer tools only read; editor tools add (never delete)."""
        reads = self.role == "viewer"
        return ToolAnnotations(
            read_only_hint=reads,
            destructive_hint=None if reads else False,
            idempotent_hint=None if reads else False,
            open_world_hint=self.calls_provider,
        )


class InvalidArgument(ValueError):
    """A tool argument the schema cannot rule out (a bad date, an id of nothing stored here)."""


class NotInProject(LookupError):
    """What a resource names is not stored in the key's project (a "not found" to the client)."""


def tool(role: str, *, calls_provider: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare ``fn`` as a tool that needs at least ``role`` in the key's project (``calls_provider``:
    it makes a model call, an action outside the store)."""
    check_role(role)

    def declare(fn: Callable[..., Any]) -> Callable[..., Any]:
        TOOLS.append(ToolSpec(fn, role, calls_provider))
        return fn

    return declare
