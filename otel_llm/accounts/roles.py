"""Roles, weakest first: a viewer reads, an editor also changes prompts and experiments, an admin
also manages keys."""

from __future__ import annotations

from otel_llm.storage.schema import ROLES

__all__ = ["ROLES", "role_at_least", "check_role", "missing_role"]


def check_role(role: str) -> str:
    """``role`` if it is one of ``ROLES``; ``ValueError`` naming the valid ones otherwise."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}.")
    return role


def missing_role(role: str, needed: str, project_name: str) -> str | None:
    """The sentence refusing a caller whose ``role`` is below ``needed``, or None when it suffices
    (the console API and the MCP server say the same)."""
    if role_at_least(role, needed):
        return None
    return f"this needs the {needed} role; you are {role} in {project_name}."


def role_at_least(role: str, needed: str) -> bool:
    """True when ``role`` grants everything ``needed`` grants (unknown roles grant nothing)."""
    if role not in ROLES or needed not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(needed)
