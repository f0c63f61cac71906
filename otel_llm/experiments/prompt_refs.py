"""Variants that name a prompt of the registry (``support@v3``, ``support@production``).

The reference is checked for syntax when the experiment is created and resolved to its version when
a run starts; spans of those calls carry the prompt tags as well. Test cases are messages, so the
version is rendered once per run with no variables (a version that needs some is refused): a text
version's text is the system prompt, a chat version's messages, tools and response format are sent
with each test case's messages after them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from otel_llm.experiments.calls import render_prompt
from otel_llm.experiments.errors import ExperimentError
from otel_llm.providers.neutral import Neutral
from otel_llm.storage.schema import projects


def resolve_prompt(
    engine: Engine, project: str, ref: str
) -> tuple[str | None, Neutral | None, dict[str, Any]]:
    """(system text, chat request, prompt tags) of the version ``ref`` names, rendered
    (``calls.render_prompt``): the text of a text version, the request of a chat version."""
    try:
        from otel_llm.prompts import names, versions
        from otel_llm.prompts.errors import MissingVariable, PromptError
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
    try:
        rendered = render_prompt(version, {})
    except MissingVariable as exc:
        raise ExperimentError(
            f"prompt reference {ref!r} needs variables ({', '.join(exc.missing)}) and an experiment's test "
            "cases are messages; run it with `otel-llm eval run` over a dataset whose items give them."
        ) from exc
    except PromptError as exc:
        raise ExperimentError(f"prompt reference {ref!r}: {exc}") from exc
    if isinstance(rendered, Neutral):
        return None, rendered, tags
    return rendered, None, tags
