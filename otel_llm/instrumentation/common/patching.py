"""Apply and remove a table of wrapt patches, exactly reversibly.

``remove`` puts back the very function object that ``apply`` found, even when another
instrumentation wrapped the method after us (our layer is then cut out of its chain) or replaced
the class attribute with a bound wrapper while unwrapping its own layer.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import wrapt

logger = logging.getLogger(__name__)

_PROXY = getattr(wrapt, "BaseObjectProxy", wrapt.ObjectProxy)  # wrapt 2 wrappers derive from BaseObjectProxy

Patch = tuple[str, str, str, Callable]
"""(module, class name, method name, wrapper)."""

_applied: dict[tuple[str, str, str], tuple[Any, Any, Callable]] = {}
"""(module, class, method) → (class, original attribute, our wrapper function)."""


def apply(patches: Sequence[Patch]) -> None:
    for module, cls, method, wrapper in patches:
        try:
            owner = getattr(importlib.import_module(module), cls)
            original = owner.__dict__[method]
            wrapt.wrap_function_wrapper(owner, method, wrapper)
        except (ImportError, AttributeError, KeyError):
            logger.debug("otel-llm: %s.%s.%s not found; not instrumented", module, cls, method)
            continue
        _applied[(module, cls, method)] = (owner, original, wrapper)


def remove(patches: Sequence[tuple[str, str, str]]) -> None:
    for module, cls, method in patches:
        entry = _applied.pop((module, cls, method), None)
        if entry is not None:
            _cut_out(*entry, method=method)


def _cut_out(owner: Any, original: Any, wrapper: Callable, method: str) -> None:
    parent = None
    node = owner.__dict__.get(method)
    while isinstance(node, _PROXY):
        if getattr(node, "_self_wrapper", None) is wrapper:
            if parent is None:
                setattr(owner, method, original)
            else:
                parent.__wrapped__ = original
            return
        parent, node = node, node.__wrapped__
    logger.debug("otel-llm: our wrapper of %s.%s was already removed", owner.__name__, method)


def result_types(
    stream: type, async_stream: type, legacy_response: type, api_response: type, async_api_response: type
) -> SimpleNamespace:
    """An SDK's stream and raw-response classes, which decide how a call's result is observed;
    ``OBSERVED`` holds them all, so a complete response is recognised with one check."""
    return SimpleNamespace(
        STREAM=stream,
        ASYNC_STREAM=async_stream,
        LEGACY_RESPONSE=legacy_response,
        API_RESPONSE=api_response,
        ASYNC_API_RESPONSE=async_api_response,
        OBSERVED=(stream, async_stream, legacy_response, api_response, async_api_response),
    )
