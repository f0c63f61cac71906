"""Errors of the provider registry, in domain words (the CLI and the API word them further)."""

from __future__ import annotations


class UnknownProvider(ValueError):
    """A provider name no adapter serves."""


class ProviderNotConfigured(ValueError):
    """A provider the product knows, without the endpoint setting a call to it needs."""


class MissingCredentials(ValueError):
    """Calls to a provider could not authenticate: none of its key variables is set."""


class CannotTranslate(ValueError):
    """A request that cannot be moved to another provider."""
