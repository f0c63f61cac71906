"""Service errors in the terminal: their message is already a sentence that says what to do."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import click


def friendly(*errors: type[Exception]) -> Callable[[Callable], Callable]:
    """A command decorator: ``errors`` raised by the command become ClickExceptions carrying their sentence.

    Example: ``_friendly = friendly(PromptError)``, then ``@_friendly`` under ``@click.pass_context``.
    """

    def decorate(command: Callable) -> Callable:
        @wraps(command)
        def run(*args, **kwargs):
            try:
                return command(*args, **kwargs)
            except errors as exc:
                raise click.ClickException(str(exc)) from exc

        return run

    return decorate
