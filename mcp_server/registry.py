"""How a tool is declared: ``@tool("viewer")`` on a function ``fn(env, *, arg: Annotated[...] = …)``.

``env`` is the call's ``ToolEnv`` (the engine, the authenticated caller of the key's project); the
keyword arguments, with their ``Field(description=…)``, become the tool's input schema; the docstring
is its description. ``server.py`` turns each into an MCP tool that checks the key and role first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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

    @property
    def name(self) -> str:
        return self.fn.__name__


class InvalidArgument(ValueError):
    """A tool argument the schema cannot rule out (a bad date, two exclusive arguments)."""


def tool(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare ``fn`` as a tool that needs at least ``role`` in the key's project."""
    check_role(role)

    def declare(fn: Callable[..., Any]) -> Callable[..., Any]:
        TOOLS.append(ToolSpec(fn, role))
        return fn

    return declare
