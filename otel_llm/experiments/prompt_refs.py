"""Variants that name a prompt of the registry (``support@v3``, ``support@production``).

The reference is checked for syntax when the experiment is created and resolved to the version's
template when a run starts; spans of those calls carry the prompt tags as well.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from otel_llm.experiments.errors import ExperimentError
from otel_llm.storage.schema import projects


def resolve_prompt(engine: Engine, project: str, ref: str) -> tuple[str, dict[str, Any]]:
    """(template text, prompt tags) of the version ``ref`` names."""
    try:
        from otel_llm.prompts import names, versions
        from otel_llm.prompts.errors import PromptError
    except ImportError as exc:  # the registry is optional for experiments
        raise ExperimentError(
            f"prompt reference {ref!r} cannot be resolved: the prompt registry is missing."
        ) from exc
    with engine.connect() as conn:
        project_id = conn.execute(select(projects.c.id).where(projects.c.name == project)).scalar()
    if project_id is None:
        raise ExperimentError(f"prompt reference {ref!r}: project {project!r} has no prompts.")
    try:
        version = versions.resolve(engine, project_id, names.parse_ref(ref), strict_label=True)
    except PromptError as exc:
        raise ExperimentError(f"prompt reference {ref!r}: {exc}") from exc
    tags = {
        "prompt_name": version.name,
        "prompt_version": version.version,
        "prompt_hash": version.version_hash,
    }
    return version.template, tags
