"""Signing deliveries and verifying them at the receiver.

The signature is HMAC-SHA256, keyed by the webhook's secret, over ``f"{timestamp}.{body}"`` where
``timestamp`` is the Unix time of the attempt (``X-OtelLLM-Timestamp``) and ``body`` the exact bytes
posted. It is sent as ``X-OtelLLM-Signature: v1=<hex>``. Because the timestamp is signed, a receiver
that refuses timestamps older than a few minutes also refuses a replayed request.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-OtelLLM-Timestamp"
SIGNATURE_HEADER = "X-OtelLLM-Signature"
EVENT_HEADER = "X-OtelLLM-Event"
DELIVERY_HEADER = "X-OtelLLM-Delivery"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The signature header value, ``v1=<hex>``, of ``body`` posted at ``timestamp``."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def verify_signature(
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when ``signature`` is ``body``'s at ``timestamp`` and the timestamp is fresh.

    ``timestamp`` and ``signature`` are the values of the ``X-OtelLLM-Timestamp`` and
    ``X-OtelLLM-Signature`` headers; ``body`` the raw request body (before any JSON parsing). A
    timestamp more than ``tolerance`` seconds away from ``now`` is refused, which refuses replays.
    """
    if not timestamp or not signature or not timestamp.strip().isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        return False
    expected = sign(secret, timestamp.strip(), body)
    return any(hmac.compare_digest(expected, part.strip()) for part in signature.split(","))


def headers(
    secret: str, body: bytes, event: str, delivery_id: str, now: float | None = None
) -> dict[str, str]:
    """The headers of one attempt: content type, event, delivery id, timestamp and signature."""
    timestamp = int(time.time() if now is None else now)
    return {
        "Content-Type": "application/json",
        "User-Agent": "otel-llm-webhooks/1",
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
