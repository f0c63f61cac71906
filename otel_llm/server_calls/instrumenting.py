"""The SDKs instrumented while server calls run, and left as the host process had them after."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_state: dict = {"active": 0, "ours": []}


@contextmanager
def instrumented() -> Iterator[None]:
    """The SDKs instrumented for the block. Instrumentors the process had not turned on are turned
    off again when the last server call running in this process ends.

    They are turned on with the global tracer provider (a proxy that follows whatever the app sets
    later), so app calls made meanwhile are traced as the app would trace them; the server's own
    calls are routed elsewhere by their context (``otel_llm.context.route_spans``).
    """
    from otel_llm.instrumentation import available_instrumentors

    with _lock:
        if _state["active"] == 0:
            for instrumentor in available_instrumentors():
                if not instrumentor.is_instrumented_by_opentelemetry:
                    instrumentor.instrument()
                    _state["ours"].append(instrumentor)
        _state["active"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["active"] -= 1
            if _state["active"] == 0:
                _release()


def _release() -> None:
    claimed = _claimed_by_app()
    for instrumentor in _state["ours"]:
        if instrumentor.is_instrumented_by_opentelemetry and instrumentor not in claimed:
            instrumentor.uninstrument()
    _state["ours"] = []


def _claimed_by_app() -> list:
    """Instrumentors the app turned on with ``otel_llm.instrument()`` meanwhile: those stay on."""
    from otel_llm import pipeline

    return list(pipeline._state.get("instrumentors") or [])
