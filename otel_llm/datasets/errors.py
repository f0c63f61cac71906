"""Errors of the datasets service. Each message is a sentence a user can act on."""

from __future__ import annotations


class DatasetError(ValueError):
    """Bad input to the datasets service (shown to the user as is)."""


class DatasetNotFound(DatasetError, LookupError):
    def __init__(self, name: str):
        super().__init__(
            f"dataset {name!r} does not exist in this project; list datasets with `otel-llm datasets list`."
        )
        self.name = name


class DatasetExists(DatasetError):
    pass


class VersionNotFound(DatasetError, LookupError):
    pass


class ItemNotFound(DatasetError, LookupError):
    pass


class InvalidItem(DatasetError):
    pass
