"""Roles, weakest first: a viewer reads, an editor also changes prompts and experiments, an admin
also manages keys."""

from __future__ import annotations

from otel_llm.storage.schema import ROLES

__all__ = ["ROLES", "role_at_least", "check_role"]


def check_role(role: str) -> str:
    """``role`` if it is one of ``ROLES``; ``ValueError`` naming the valid ones otherwise."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}.")
    return role


def role_at_least(role: str, needed: str) -> bool:
    """True when ``role`` grants everything ``needed`` grants (unknown roles grant nothing)."""
    if role not in ROLES or needed not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(needed)
