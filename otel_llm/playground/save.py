"""Keeping what was tried: the next version of a prompt, or the run as a dataset item."""

from __future__ import annotations

from sqlalchemy import Engine

from otel_llm.datasets import DatasetError
from otel_llm.datasets.from_spans import add_span_keys
from otel_llm.playground.errors import PlaygroundError
from otel_llm.playground.setup import Setup
from otel_llm.prompts import versions
from otel_llm.prompts.errors import PromptError
from otel_llm.prompts.models import Version


def save_version(
    engine: Engine, project_id: int, name: str, setup: Setup, summary: str, author: str
) -> Version:
    """``setup`` as the next version of prompt ``name`` (a chat template with its tools, response
    format and parameters; created when the prompt is new)."""
    try:
        return versions.create_version(
            engine,
            project_id,
            name,
            config=setup.config(),
            summary=summary,
            author=author,
            template_format=setup.template_format,
            messages=setup.messages,
            tools=setup.tools,
            response_format=setup.response_format,
        )
    except PromptError as exc:
        raise PlaygroundError(str(exc)) from exc


def add_to_dataset(
    engine: Engine, project_id: int, dataset: str, trace_id: str, span_id: str, actor: str
) -> int:
    """The run's input, with its answer as the expected output, as a new item of ``dataset``; the
    dataset's new version number."""
    try:
        result = add_span_keys(engine, project_id, dataset, [(trace_id, span_id)], actor=actor)
    except DatasetError as exc:
        raise PlaygroundError(str(exc)) from exc
    if result.version is None:
        reasons = "; ".join(s["reason"] for s in result.skipped) or "nothing to add"
        raise PlaygroundError(f"the run was not added to {dataset}: {reasons}.")
    return result.version.number
