"""Errors of the scores service. Each message is a sentence a user can act on.

``code`` tells the API which status to answer: ``invalid`` (422), ``not_found`` (404),
``conflict`` (409).
"""

from __future__ import annotations


class ScoreError(ValueError):
    """A score or score config the service refuses (shown to the user as is)."""

    code = "invalid"


class ScoreConfigNotFound(ScoreError, LookupError):
    code = "not_found"

    def __init__(self, name: str):
        super().__init__(
            f"no score config {name!r} in this project; declare it first, e.g. "
            f"`otel-llm scores config set {name} --type numeric --min 1 --max 5`."
        )
        self.name = name


class ScoreNotFound(ScoreError, LookupError):
    code = "not_found"


class TargetNotFound(ScoreError, LookupError):
    """The span or trace is another project's (to the caller: it does not exist)."""

    code = "not_found"


class ScoreConflict(ScoreError):
    """The request contradicts stored scores (changing the type of a config in use…)."""

    code = "conflict"
