"""otel-llm: prompt versions, model A/B experiments and trace replay from the spans your app emits.

Two lines instrument an app::

    import otel_llm
    otel_llm.configure(); otel_llm.instrument()

This package is what the app imports; it never imports Flask, scipy, the console or the CLI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers see of the names imported on first use (below)
    from otel_llm.context import session as session
    from otel_llm.context import tags as tags
    from otel_llm.experiments.client import experiment as experiment
    from otel_llm.exporter import SQLSpanExporter as SQLSpanExporter
    from otel_llm.feedback import record_feedback as record_feedback
    from otel_llm.pipeline import configure as configure
    from otel_llm.pipeline import instrument as instrument
    from otel_llm.pipeline import shutdown as shutdown
    from otel_llm.pipeline import uninstrument as uninstrument
    from otel_llm.processor import LLMSpanProcessor as LLMSpanProcessor
    from otel_llm.prompts.client import get_prompt as get_prompt

__version__ = "0.1.0"

# Public names served by feature modules, imported on first use (so ``import otel_llm`` alone, as
# the command line's start does, loads no OpenTelemetry SDK).
_LAZY = {
    "configure": "otel_llm.pipeline",
    "instrument": "otel_llm.pipeline",
    "shutdown": "otel_llm.pipeline",
    "uninstrument": "otel_llm.pipeline",
    "tags": "otel_llm.context",
    "session": "otel_llm.context",
    "LLMSpanProcessor": "otel_llm.processor",
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


__all__ = [*_LAZY]
