"""Apply and remove a table of wrapt patches, exactly reversibly."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence

import wrapt
from opentelemetry.instrumentation.utils import unwrap

logger = logging.getLogger(__name__)

Patch = tuple[str, str, str, Callable]
"""(module, class name, method name, wrapper)."""


def apply(patches: Sequence[Patch]) -> None:
    for module, cls, method, wrapper in patches:
        try:
            wrapt.wrap_function_wrapper(module, f"{cls}.{method}", wrapper)
        except (ImportError, AttributeError):
            logger.debug("otel-llm: %s.%s.%s not found; not instrumented", module, cls, method)


def remove(patches: Sequence[tuple[str, str, str]]) -> None:
    for module, cls, method in patches:
        try:
            owner = getattr(importlib.import_module(module), cls)
        except (ImportError, AttributeError):
            continue
        if isinstance(owner.__dict__.get(method), wrapt.FunctionWrapper):
            unwrap(owner, method)
