"""Errors of the experiments service. Each message is a sentence a user can act on."""

from __future__ import annotations


class ExperimentError(ValueError):
    """Bad input to the experiments service (shown to the user as is)."""


class ExperimentNotFound(ExperimentError, LookupError):
    def __init__(self, name: str, project: str):
        super().__init__(
            f"experiment {name!r} does not exist in project {project!r}; "
            "list experiments with `otel-llm experiments list`."
        )
        self.name = name


class ExperimentExists(ExperimentError):
    pass


class InvalidTransition(ExperimentError):
    pass
