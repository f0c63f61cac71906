"""The tools, one module per area; each function is a tool (its docstring is the description an
agent reads, its annotated keyword arguments the input schema). ``registry.tool`` marks them."""

from otel_llm_server.mcp_server.tools import (
    datasets,
    evaluation,
    experiments,
    feedback,
    prompts,
    replay,
    scores,
    traces,
)

MODULES = (traces, prompts, experiments, datasets, evaluation, scores, replay, feedback)
"""The order tools are listed in: reading calls first, then prompts, experiments, datasets,
evaluation runs, scores, then replays and feedback."""


def order(spec) -> tuple[int, int]:
    """Sort key of a ``ToolSpec``: its module's place in ``MODULES``, then its place in the module."""
    names = [m.__name__ for m in MODULES]
    return names.index(spec.fn.__module__), spec.fn.__code__.co_firstlineno
