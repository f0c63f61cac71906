"""Errors of the prompt registry. Each message is a sentence a user can act on.

``code`` tells the console API which HTTP status to answer: ``invalid`` (400), ``not_found`` (404),
``conflict`` (409).
"""

from __future__ import annotations


class PromptError(ValueError):
    """Base class: a request the registry refuses (shown to the user as is)."""

    code = "invalid"


class InvalidInput(PromptError):
    """A bad name, label, template, config, tag or reference."""


class PromptNotFound(PromptError):
    code = "not_found"


class VersionNotFound(PromptError):
    code = "not_found"


class Conflict(PromptError):
    """The request contradicts the registry's state (identical version, archived, published…)."""

    code = "conflict"


class MissingVariable(PromptError, KeyError):
    """Rendering a template without a value for one of its variables."""

    def __init__(self, prompt: str, missing: list[str]):
        names = ", ".join(missing)
        super().__init__(
            f"prompt {prompt!r} needs a value for {names}; pass it to render(), e.g. render({missing[0]}=...)."
        )
        self.missing = missing

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class PromptUnavailable(LookupError):
    """``get_prompt`` found no prompt to return: the backend failed or has no such prompt, nothing is
    cached and no ``fallback=`` template was given."""
