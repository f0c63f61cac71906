"""Which prompts include a given prompt (composition: ``{{> footer@production}}``).

The webhook notifier calls :func:`referencing_prompts` when a label of ``prompt_name`` moves, and
records a ``prompt.label_moved`` event for each prompt it returns too (with ``via`` naming the
included prompt), since what those prompts render changes with it.

Composition is not stored yet, so this returns ``[]``; the composition work replaces the body with a
query of the recorded includes (every prompt of ``project_id`` whose versions include
``prompt_name``, directly or through another include), reading through ``connection`` when given so
that it sees the transaction of the move.
"""

from __future__ import annotations

from sqlalchemy import Connection


def referencing_prompts(
    project_id: int, prompt_name: str, *, connection: Connection | None = None
) -> list[str]:
    """Names of the prompts of ``project_id`` that include ``prompt_name`` (none yet: ``[]``)."""
    return []
