"""Errors of the accounts service. Each message is a sentence a user can act on."""

from __future__ import annotations


class AccountError(ValueError):
    """Base class: bad input to the accounts service (shown to the user as is)."""


class InvalidName(AccountError):
    pass


class ProjectExists(AccountError):
    pass


class ProjectNotFound(AccountError):
    def __init__(self, name: str):
        super().__init__(
            f"project {name!r} does not exist; create it with `otel-llm projects create {name}`."
        )
        self.name = name


class KeyNotFound(AccountError):
    pass
