"""Trace replay: send a stored LLM call again, as it was or with overrides, and compare.

One service layer for the CLI (``otel-llm replay``), the console and the JSON API:

- ``request``: the request rebuilt from a stored span (``rebuild`` for other instrumentations' spans);
- ``overrides``: model, provider, temperature, max tokens, system prompt, caching; ``translate``
  carries a request between OpenAI chat and Anthropic messages;
- ``run.replay_span``: one replay, traced and stored (``store``), compared by ``diff``;
- ``batch.run_batch``: a regression run over a selection of spans, with a stored summary.
"""

from otel_llm.replay.errors import InvalidOverride, NotReplayable, ReplayError, SpanNotFound
from otel_llm.replay.overrides import Overrides

__all__ = ["InvalidOverride", "NotReplayable", "Overrides", "ReplayError", "SpanNotFound"]
