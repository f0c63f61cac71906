"""The request a replay sends, rebuilt from a stored span.

Spans made by otel-llm carry the request record (``otel_llm.request``): the SDK method and every
keyword argument the app passed. The record is untrusted input (anyone with an editor key can send
spans over OTLP), so only the body parameters the provider's API defines are kept (the adapter's
allow-list); everything else, transport options such as headers, query, base URL, key, timeout and
retries included, is dropped and reported. Spans from other instrumentations are rebuilt from the
GenAI semantic-convention attributes (``rebuild.py``).
"""

from __future__ import annotations

import json
from typing import Any

from otel_llm import attributes as attrs
from otel_llm import providers
from otel_llm.providers.base import ProviderAdapter
from otel_llm.replay import rebuild
from otel_llm.replay.errors import CAPTURE_HINT, NotReplayable
from otel_llm.replay.replay_request import ReplayRequest


def _decode(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def from_span(row: dict[str, Any]) -> ReplayRequest:
    """The request of a stored span (a full ``spans`` row); ``NotReplayable`` says why not."""
    a = row.get("attributes") or {}
    span_id = row.get("span_id")
    record = _decode(a.get(attrs.REQUEST))
    if isinstance(record, dict):
        return _from_record(span_id, record, row.get("provider"))
    if not row.get("is_llm"):
        raise NotReplayable(f"span {span_id} is not an LLM call, so there is no request to replay.")
    return rebuild.from_semconv(row)


def _from_record(span_id: str | None, record: dict[str, Any], provider: str | None) -> ReplayRequest:
    api = record.get("api")
    if not isinstance(api, str) or (adapter := providers.for_api(api)) is None:
        raise NotReplayable(
            f"span {span_id} called {api!r}, which replay cannot send (supported: {', '.join(providers.apis())})."
        )
    if not record.get("content", True):
        raise NotReplayable(
            f"span {span_id} was recorded with content capture off, so its messages were not stored "
            f"and its request cannot be sent again; {CAPTURE_HINT}."
        )
    params = record.get("params")
    if not isinstance(params, dict) or "model" not in params:
        raise NotReplayable(
            f"span {span_id} has an incomplete request record (no model); it cannot be replayed."
        )
    kept, dropped = adapter.allowed(api, params)
    notes = [dropped_note(dropped)] if dropped else []
    target, note = endpoint_of(adapter, provider)
    notes += [note] if note else []
    return ReplayRequest(api, kept, bool(record.get("stream")), notes=notes, provider=target)


def dropped_note(dropped: list[str]) -> str:
    return (
        "not part of the provider's request body, so not sent (a stored record never sets headers, "
        "query, base URL, key, timeout or retries): " + ", ".join(dropped)
    )


def endpoint_of(adapter: ProviderAdapter, provider: str | None) -> tuple[str, str | None]:
    """The provider a replay goes back to: the span's own when ``adapter`` reaches it by a known
    name, else the adapter's (with a note). Never a URL: only names the product knows."""
    if not provider or provider == adapter.name:
        return adapter.name, None
    if provider in adapter.provider_names():
        return provider, None
    return adapter.name, (
        f"the span's provider is {provider!r}, which no adapter or configured endpoint names; "
        f"the request is sent to {adapter.name}"
    )
