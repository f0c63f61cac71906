"""Which prompts include a given prompt (composition: ``{{> footer@production}}``).

The webhook notifier calls :func:`referencing_prompts` when a label of ``prompt_name`` moves, and
records a ``prompt.label_moved`` event for each prompt it returns too (with ``via`` naming the
included prompt). The includes are those recorded with each version at create (``includes.py``),
read on the move's own connection so that the answer belongs to its transaction.
"""

from __future__ import annotations

from sqlalchemy import Connection

from otel_llm.prompts.includes import referencing_names


def referencing_prompts(
    project_id: int, prompt_name: str, *, connection: Connection | None = None
) -> list[str]:
    """Names of the prompts of ``project_id`` whose versions include ``prompt_name`` (none without a
    connection to read on)."""
    if connection is None:
        return []
    return referencing_names(connection, project_id, prompt_name)
