"""Errors of evaluation runs, in the user's words (the CLI and the API word them as they are)."""

from __future__ import annotations


class EvaluationError(ValueError):
    """A run, a comparison or a gate the service refuses."""


class RunNotFound(EvaluationError):
    pass


class RuleNotFound(EvaluationError):
    pass
