"""Sending a replay request through the real SDK (instrumented, so the call is traced).

A request recorded from a ``.stream()`` helper (``stream`` set, no ``stream`` parameter) is sent
through the same helper, so the body is the very one the app sent (the helpers put ``stream``
last; ``create(stream=True)`` does not).
"""

from __future__ import annotations

from otel_llm import providers
from otel_llm.replay.request import ReplayRequest


def send(request: ReplayRequest, base_url: str | None = None) -> None:
    """Make the call; a streamed answer is read to its end. Provider errors are raised as the SDK's."""
    adapter = request.adapter
    client = providers.client(request.provider, base_url=base_url)
    resource = adapter.resource(client, request.api)
    try:
        if request.stream and "stream" not in request.params:
            with resource.stream(**request.call_params(helper=True)) as stream:
                for _ in stream:
                    pass
            return
        params = request.call_params()
        result = resource.create(**params)
        if params.get("stream"):
            with result as stream:
                for _ in stream:
                    pass
    finally:
        client.close()
