"""The playground: try a set-up (provider, model, messages, tools, response format, parameters) on a
model before publishing it, from a prompt version or a stored LLM span.

``setup.py`` opens and validates set-ups, ``run.py`` runs one through the server-call path (its spans
go to the caller's project, marked ``otel_llm.evaluation = playground`` so they never count as app
traffic), and ``save.py`` keeps what was tried: the next version of a prompt, or a dataset item.
"""

from otel_llm.playground.errors import PlaygroundError
from otel_llm.playground.run import Outcome, run
from otel_llm.playground.setup import Setup, from_span, from_version

__all__ = ["Outcome", "PlaygroundError", "Setup", "from_span", "from_version", "run"]
