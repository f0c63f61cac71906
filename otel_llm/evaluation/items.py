"""The dataset items an evaluation runs on, through the datasets service (``otel_llm.datasets``)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from otel_llm.evaluation.errors import EvaluationError
from otel_llm.storage.schema import projects


def project_id_of(engine: Engine, project: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(select(projects.c.id).where(projects.c.name == project)).scalar()
    if found is None:
        raise EvaluationError(f"project {project!r} does not exist.")
    return int(found)


def load_items(engine: Engine, project_id: int, ref: str):
    """The dataset snapshot ``NAME`` (its current version) or ``NAME@vN`` stands for."""
    from otel_llm import datasets

    try:
        name, version = datasets.parse_ref(ref)
        found = datasets.snapshot(engine, project_id, name, version)
    except datasets.DatasetError as exc:
        raise EvaluationError(str(exc)) from exc
    if not found.items:
        raise EvaluationError(f"dataset {ref!r} has no items; add some with `otel-llm datasets import`.")
    return found
