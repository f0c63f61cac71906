"""Datasets for evaluation tests (temporary: stands in for the datasets service until it is merged)."""

from __future__ import annotations

from otel_llm.evaluation import runs
from otel_llm.evaluation.answers import DatasetItem
from otel_llm.prompts.catalog import project_id

_stored: dict = {}


def _load(engine, pid, ref):
    name = ref.split("@")[0]
    return name, 1, _stored[(id(engine), pid, name)]


def make_dataset(engine, project, name, rows) -> int:
    pid = project_id(engine, project, create=True)
    items = [DatasetItem(i + 1, text if not isinstance(text, str) else [{"role": "user", "content": text}], expected)
             for i, (text, expected) in enumerate(rows)]  # fmt: skip
    _stored[(id(engine), pid, name)] = items
    runs.load_items = _load
    return pid
