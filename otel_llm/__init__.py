"""otel-llm: prompt versions, model A/B experiments and trace replay from the spans your app emits.

Two lines instrument an app::

    import otel_llm
    otel_llm.configure(); otel_llm.instrument()

This package is what the app imports; it never imports Flask, scipy, the console or the CLI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from otel_llm.context import tags
from otel_llm.pipeline import configure, instrument, shutdown, uninstrument
from otel_llm.processor import LLMSpanProcessor

if TYPE_CHECKING:  # what type checkers see of the names imported on first use (below)
    from otel_llm.experiments.client import experiment as experiment
    from otel_llm.exporter import SQLSpanExporter as SQLSpanExporter
    from otel_llm.feedback import record_feedback as record_feedback
    from otel_llm.prompts.client import get_prompt as get_prompt

__version__ = "0.1.0"

# Public names served by feature modules, imported on first use.
_LAZY = {
    "SQLSpanExporter": "otel_llm.exporter",
    "get_prompt": "otel_llm.prompts.client",
    "experiment": "otel_llm.experiments.client",
    "record_feedback": "otel_llm.feedback",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'otel_llm' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "configure",
    "shutdown",
    "instrument",
    "uninstrument",
    "tags",
    "LLMSpanProcessor",
    *_LAZY,
]
