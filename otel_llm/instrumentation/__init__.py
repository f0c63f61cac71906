"""Instrumentors, one package per SDK, over a neutral layer (``otel_llm.instrumentation.common``)."""

from __future__ import annotations

import importlib.util


def available_instrumentors() -> list:
    """Instrumentor instances (singletons) of every registered provider adapter whose SDK is
    installed in this environment."""
    from otel_llm import providers

    found = []
    for adapter in providers.adapters().values():
        if not adapter.instrumentor or not _importable(adapter.sdk):
            continue
        module, _, name = adapter.instrumentor.partition(":")
        found.append(getattr(importlib.import_module(module), name)())
    return found


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
