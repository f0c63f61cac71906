"""Errors of the webhooks service. Each message is a sentence a user can act on; ``code`` tells the
API which status to answer (``invalid`` 422, ``not_found`` 404)."""

from __future__ import annotations


class WebhookError(ValueError):
    code = "invalid"


class WebhookNotFound(WebhookError):
    code = "not_found"


class DestinationRefused(WebhookError):
    """A receiver URL the policy of ``urls`` does not allow (scheme, host or address)."""
