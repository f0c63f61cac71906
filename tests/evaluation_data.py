"""Datasets for evaluation tests, made through the datasets service."""

from __future__ import annotations

from otel_llm import datasets
from otel_llm.prompts.catalog import project_id


def make_dataset(engine, project, name, rows) -> int:
    """Dataset ``name`` with items ``(question or variables, expected output)``; the project's id."""
    pid = project_id(engine, project, create=True)
    items = [
        datasets.ItemSpec(variables=text, expected_output=expected)
        if isinstance(text, dict)
        else datasets.ItemSpec(messages=[{"role": "user", "content": text}], expected_output=expected)
        for text, expected in rows
    ]
    datasets.create(engine, pid, name, items=items)
    return pid
