"""Webhooks: a project's receiver URLs, told when its prompts change.

- ``events``: the event names and the outbox — an event is written to ``webhook_deliveries`` in the
  transaction of the change that caused it (a new version, a label move, an archive), never sent from
  the request itself.
- ``service``: register, list and remove webhooks; read the delivery log.
- ``sender``: the background sender (``otel-llm worker``, ``otel-llm web``, ``otel-llm webhooks
  deliver``): posts due deliveries, retries with exponential backoff, records each outcome.
- ``signing``: ``sign`` and ``verify_signature`` (HMAC-SHA256 over ``timestamp.body``).
- ``urls``: which receiver URLs are allowed (http/https, public addresses unless configured).

A label move on a prompt that others include also notifies for those prompts: the notifier asks
``otel_llm.prompts.dependents.referencing_prompts`` which prompts include it.

A receiver verifies a delivery with ``otel_llm.webhooks.verify_signature`` (``docs/webhooks.md``).
"""

from __future__ import annotations

from otel_llm.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify_signature

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "sign", "verify_signature"]
