"""The request a replay sends, rebuilt from a stored span.

Spans made by otel-llm carry the request record (``otel_llm.request``): the SDK method and every
keyword argument the app passed, so replaying it sends the very same request body. Spans from other
instrumentations are rebuilt from the GenAI semantic-convention attributes (``rebuild.py``).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from otel_llm import attributes as attrs
from otel_llm.replay.errors import CAPTURE_HINT, NotReplayable

OPENAI_CHAT = "openai.chat.completions"
OPENAI_RESPONSES = "openai.responses"
ANTHROPIC_MESSAGES = "anthropic.messages"

API_PROVIDER = {OPENAI_CHAT: "openai", OPENAI_RESPONSES: "openai", ANTHROPIC_MESSAGES: "anthropic"}
"""Every SDK method replay can call, with the provider that serves it."""

PROVIDER_API = {"openai": OPENAI_CHAT, "anthropic": ANTHROPIC_MESSAGES}
"""The API a replay switched to another provider is sent to."""


@dataclass
class ReplayRequest:
    """An SDK call: ``client.<api>(**call_params())``.

    ``exact`` is true when the request comes from the span's request record (the same body the app
    sent); ``notes`` say what a rebuild or an override changed or could not carry over.
    """

    api: str
    params: dict[str, Any]
    stream: bool = False
    exact: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def provider(self) -> str:
        return API_PROVIDER[self.api]

    @property
    def model(self) -> str | None:
        return self.params.get("model")

    def call_params(self, helper: bool = False) -> dict[str, Any]:
        """Keyword arguments for ``create`` (``stream=True`` added for a ``.stream()`` helper call),
        or, with ``helper``, for the ``.stream()`` helper itself."""
        params = copy.deepcopy(self.params)
        if self.stream and "stream" not in params and not helper:
            params["stream"] = True
        return params

    def copy(self) -> ReplayRequest:
        return ReplayRequest(self.api, copy.deepcopy(self.params), self.stream, self.exact, list(self.notes))

    def to_json(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "provider": self.provider,
            "params": self.call_params(),
            "exact": self.exact,
            "notes": list(self.notes),
        }


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
        return _from_record(span_id, record)
    if not row.get("is_llm"):
        raise NotReplayable(f"span {span_id} is not an LLM call, so there is no request to replay.")
    from otel_llm.replay import rebuild

    return rebuild.from_semconv(row)


def _from_record(span_id: str | None, record: dict[str, Any]) -> ReplayRequest:
    api = record.get("api")
    if api not in API_PROVIDER:
        supported = ", ".join(API_PROVIDER)
        raise NotReplayable(
            f"span {span_id} called {api!r}, which replay cannot send (supported: {supported})."
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
    return ReplayRequest(api=api, params=params, stream=bool(record.get("stream")))
