"""What a replay sends: one SDK call (API, body parameters, stream flag) and the provider it goes to.
``request`` reads it from a span's request record, ``rebuild`` from the GenAI attributes."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from otel_llm import providers
from otel_llm.providers.base import ProviderAdapter
from otel_llm.replay.errors import NotReplayable


@dataclass
class ReplayRequest:
    """An SDK call: ``client.<api>(**call_params())`` sent to provider ``provider`` (an adapter's
    name or an endpoint it reaches; default: the adapter that serves ``api``).

    ``exact`` is true when the request comes from the span's request record (the same body the app
    sent); ``notes`` say what a rebuild or an override changed or could not carry over.
    """

    api: str
    params: dict[str, Any]
    stream: bool = False
    exact: bool = True
    notes: list[str] = field(default_factory=list)
    provider: str = ""

    def __post_init__(self) -> None:
        if not self.provider:
            self.provider = self.adapter.name

    @property
    def adapter(self) -> ProviderAdapter:
        found = providers.for_api(self.api)
        if found is None:
            raise NotReplayable(f"no provider adapter serves {self.api!r}.")
        return found

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
        params = copy.deepcopy(self.params)
        return ReplayRequest(self.api, params, self.stream, self.exact, list(self.notes), self.provider)

    def to_json(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "provider": self.provider,
            "params": self.call_params(),
            "exact": self.exact,
            "notes": list(self.notes),
        }
