"""Instrumentors, one package per SDK, over a neutral layer (``otel_llm.instrumentation.common``).

The instrumentors are the ``opentelemetry_instrumentor`` entry points of this distribution (the ones
``opentelemetry-instrument`` loads too, listed in ``pyproject.toml``). No provider SDK is a dependency
of otel-llm: an instrumentor is active only when the SDK versions it declares in
``instrumentation_dependencies()`` are installed, as in OpenTelemetry's contrib instrumentors; the
others are skipped with a debug log.
"""

from __future__ import annotations

import functools
import importlib
import logging

from opentelemetry.instrumentation.dependencies import get_dependency_conflicts

logger = logging.getLogger(__name__)


def available_instrumentors() -> list:
    """Instrumentor instances (singletons) of every registered provider adapter whose SDK is
    installed here at a supported version (``instrumentation_dependencies()``)."""
    return list(_available())


@functools.cache
def _available() -> tuple:
    from otel_llm import providers

    found = []
    for adapter in providers.adapters().values():
        if not adapter.instrumentor:
            continue
        if not _importable(adapter.sdk):
            logger.debug("otel-llm: otel_llm_%s not active: %s is not installed", adapter.name, adapter.sdk)
            continue
        module, _, name = adapter.instrumentor.partition(":")
        instrumentor = getattr(importlib.import_module(module), name)()
        conflict = get_dependency_conflicts(instrumentor.instrumentation_dependencies())
        if conflict is not None:
            logger.debug("otel-llm: otel_llm_%s not active: %s", adapter.name, conflict)
            continue
        found.append(instrumentor)
    return tuple(found)


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:  # the parent package (``google``) is not installed
        return False


def set_redactor(redactor) -> None:
    """Register ``redactor(text) -> text`` that scrubs every captured text before it is recorded.

    See ``otel_llm.instrumentation.common.content.set_redactor``; ``None`` removes it.
    """
    from otel_llm.instrumentation.common.content import set_redactor as _set

    _set(redactor)
