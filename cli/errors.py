"""Service errors in the terminal: their message is already a sentence that says what to do."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import wraps

import click


def friendly(*errors: type[Exception] | str) -> Callable[[Callable], Callable]:
    """A command decorator: ``errors`` raised by the command become ClickExceptions carrying their sentence.

    An error is a class or, when its module imports SQLAlchemy (which a command's --help must not
    load), its ``"module:Class"`` path, imported only once an exception reaches the decorator.

    Example: ``_friendly = friendly(PromptError)``, then ``@_friendly`` under ``@click.pass_context``.
    """

    def decorate(command: Callable) -> Callable:
        @wraps(command)
        def run(*args, **kwargs):
            try:
                return command(*args, **kwargs)
            except Exception as exc:
                if isinstance(exc, tuple(_resolve(error) for error in errors)):
                    raise click.ClickException(str(exc)) from exc
                raise

        return run

    return decorate


def _resolve(error: type[Exception] | str) -> type[Exception]:
    if not isinstance(error, str):
        return error
    module, name = error.split(":")
    return getattr(importlib.import_module(module), name)
